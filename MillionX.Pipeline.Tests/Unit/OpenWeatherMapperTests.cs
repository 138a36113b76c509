using MillionX.Pipeline.Stages.WeatherSource;
using static MillionX.Pipeline.Tests.Unit.RawRecords;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class OpenWeatherMapperTests
{
    private readonly RecordValidator _validator = Validator();

    /// <summary>2026-11-24T09:30:00Z, a past instant for the validator's clock.</summary>
    private const long Dt = 1795512600;

    private static JsonElement Owm(double temp = 28.5, double humidity = 70, double wind = 3.2, string main = "Clear", string? rain = null, bool timezone = true) =>
        JsonDocument.Parse($$"""
            {"coord":{"lon":90.4074,"lat":23.7104},"weather":[{"id":800,"main":"{{main}}","description":"clear sky","icon":"01d"}],
             "main":{"temp":{{temp}},"feels_like":30.1,"pressure":1012,"humidity":{{humidity}}},"wind":{"speed":{{wind}},"deg":180},
             {{(rain is null ? "" : $"\"rain\":{rain},")}} "dt":{{Dt}},{{(timezone ? "\"timezone\":21600," : "")}} "name":"Chattogram","cod":200}
            """).RootElement.Clone();

    private WeatherData Accepted(byte[] raw)
    {
        var r = _validator.ValidateWeather(raw);
        Assert.True(r.IsValid, string.Join("; ", r.Errors));
        return r.Value!;
    }

    [Fact]
    public void Map_CurrentWeather_EveryFieldWithTheConfiguredCityName()
    {
        var raw = OpenWeatherMapper.Map("Chittagong", Owm());
        var w = Accepted(raw);
        Assert.Equal("Chittagong", w.City);
        Assert.Equal(28.5, w.Temperature);
        Assert.Equal("Clear", w.Condition);
        Assert.Equal(70, w.Humidity);
        Assert.Equal(3.2, w.WindSpeed);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Dt), w.Timestamp);
        Assert.False(w.IsExtremeWeather);

        using var doc = JsonDocument.Parse(raw);
        Assert.Equal("2026-11-24T15:30:00+06:00", doc.RootElement.GetProperty("timestamp").GetString());
        Assert.False(doc.RootElement.GetProperty("is_extreme_weather").GetBoolean());
    }

    [Fact]
    public void Map_NoTimezone_TimestampInUtc()
    {
        using var doc = JsonDocument.Parse(OpenWeatherMapper.Map("Dhaka", Owm(timezone: false)));
        Assert.Equal("2026-11-24T09:30:00Z", doc.RootElement.GetProperty("timestamp").GetString());
    }

    [Theory]
    [InlineData(28.5, 3.2, "Clear", null, false)]
    [InlineData(40.0, 3.2, "Clear", null, false)]
    [InlineData(40.5, 3.2, "Clear", null, true)]
    [InlineData(5.0, 3.2, "Clear", null, false)]
    [InlineData(4.9, 3.2, "Clouds", null, true)]
    [InlineData(25, 15.0, "Clouds", null, false)]
    [InlineData(25, 15.1, "Clouds", null, true)]
    [InlineData(25, 3, "Rain", null, true)]
    [InlineData(25, 3, "Drizzle", null, true)]
    [InlineData(25, 3, "Thunderstorm", null, true)]
    [InlineData(25, 3, "Haze", null, false)]
    [InlineData(25, 3, "Clouds", "{\"1h\":0.4}", true)]
    [InlineData(25, 3, "Clouds", "{\"3h\":1.2}", true)]
    [InlineData(25, 3, "Clouds", "{\"1h\":0}", false)]
    public void Map_ExtremeWeatherRule_MarksTheRecord(double temp, double wind, string main, string? rain, bool extreme)
    {
        var w = Accepted(OpenWeatherMapper.Map("Dhaka", Owm(temp: temp, wind: wind, main: main, rain: rain)));
        Assert.Equal(extreme, w.IsExtremeWeather);
    }

    [Fact]
    public void Map_AnswerWithoutMain_LeavesFieldsOutSoValidationRejectsIt()
    {
        var owm = JsonDocument.Parse($$"""{"weather":[{"main":"Clear"}],"wind":{"speed":2},"dt":{{Dt}},"cod":200}""").RootElement;
        var r = _validator.ValidateWeather(OpenWeatherMapper.Map("Sylhet", owm));
        Assert.False(r.IsValid);
        Assert.Equal(["$.humidity", "$.temperature"], r.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }
}
