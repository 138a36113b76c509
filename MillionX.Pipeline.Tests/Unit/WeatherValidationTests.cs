using static MillionX.Pipeline.Tests.Unit.RawRecords;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class WeatherValidationTests
{
    private readonly RecordValidator _validator = Validator();

    private (string Path, string Code) SingleProblem(byte[] raw)
    {
        var result = _validator.ValidateWeather(raw);
        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        return (error.Path, error.Code);
    }

    private WeatherData Accepted(byte[] raw)
    {
        var result = _validator.ValidateWeather(raw);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        return result.Value!;
    }

    private static string N(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    [Fact]
    public void ValidateWeather_ValidRecord_MapsEveryField()
    {
        var w = Accepted(Weather());

        Assert.Equal("Dhaka", w.City);
        Assert.Equal(28.5, w.Temperature);
        Assert.Equal("Clear", w.Condition);
        Assert.Equal(70, w.Humidity);
        Assert.Equal(3.2, w.WindSpeed);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 30, 0, TimeSpan.Zero), w.Timestamp);
        Assert.False(w.IsExtremeWeather);
    }

    [Theory]
    [InlineData("city")]
    [InlineData("temperature")]
    [InlineData("condition")]
    [InlineData("humidity")]
    [InlineData("wind_speed")]
    [InlineData("timestamp")]
    public void ValidateWeather_RequiredFieldMissing_MissingField(string field)
    {
        Assert.Equal(("$." + field, ReasonCodes.MissingField), SingleProblem(Weather((field, null))));
    }

    [Theory]
    [InlineData("city", "5")]
    [InlineData("condition", "[\"Rain\"]")]
    [InlineData("temperature", "\"28.5\"")]
    [InlineData("temperature", "\"\"")]
    [InlineData("humidity", "true")]
    [InlineData("wind_speed", "{\"unexpected\":true}")]
    [InlineData("is_extreme_weather", "\"yes\"")]
    [InlineData("is_extreme_weather", "1")]
    public void ValidateWeather_WrongType_WrongType(string field, string value)
    {
        Assert.Equal(("$." + field, ReasonCodes.WrongType), SingleProblem(Weather((field, value))));
    }

    [Theory]
    [InlineData("city", "Dha\u200Bka")]
    [InlineData("city", "Dhaka\u202E")]
    [InlineData("condition", "Rain\u0000")]
    public void ValidateWeather_ControlOrInvisibleChars_InvalidChars(string field, string value)
    {
        Assert.Equal(("$." + field, ReasonCodes.InvalidChars), SingleProblem(Weather((field, Str(value)))));
    }

    [Theory]
    [InlineData("city")]
    [InlineData("condition")]
    public void ValidateWeather_NameOver100Chars_TooLong(string field)
    {
        Assert.Equal(("$." + field, ReasonCodes.TooLong), SingleProblem(Weather((field, Str(new string('x', 101))))));
        Assert.True(_validator.ValidateWeather(Weather((field, Str(new string('x', 100))))).IsValid);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0.5)]
    [InlineData(99.9)]
    [InlineData(100)]
    public void ValidateWeather_HumidityWithin0To100_IsAccepted(double humidity)
    {
        Assert.Equal(humidity, Accepted(Weather(("humidity", N(humidity)))).Humidity);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(-1)]
    [InlineData(100.1)]
    [InlineData(250)]
    public void ValidateWeather_HumidityOutside0To100_OutOfRange(double humidity)
    {
        Assert.Equal(("$.humidity", ReasonCodes.OutOfRange), SingleProblem(Weather(("humidity", N(humidity)))));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(-1)]
    [InlineData(120.1)]
    public void ValidateWeather_WindNegativeOrOverMax_OutOfRange(double wind)
    {
        Assert.Equal(("$.wind_speed", ReasonCodes.OutOfRange), SingleProblem(Weather(("wind_speed", N(wind)))));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(120)]
    public void ValidateWeather_WindAtBounds_IsAccepted(double wind)
    {
        Assert.Equal(wind, Accepted(Weather(("wind_speed", N(wind)))).WindSpeed);
    }

    [Theory]
    [InlineData(-50)]
    [InlineData(60)]
    [InlineData(-3.5)]
    public void ValidateWeather_TemperatureWithinBounds_IsAccepted(double temperature)
    {
        Assert.Equal(temperature, Accepted(Weather(("temperature", N(temperature)))).Temperature);
    }

    [Theory]
    [InlineData(-50.1)]
    [InlineData(60.1)]
    [InlineData(-273.15)]
    [InlineData(1e300)]
    public void ValidateWeather_TemperatureOutsideBounds_OutOfRange(double temperature)
    {
        Assert.Equal(("$.temperature", ReasonCodes.OutOfRange), SingleProblem(Weather(("temperature", N(temperature)))));
    }

    [Theory]
    [InlineData("temperature", "NaN")]
    [InlineData("temperature", "nan")]
    [InlineData("temperature", "Infinity")]
    [InlineData("humidity", "-Infinity")]
    [InlineData("wind_speed", "NaN")]
    public void ValidateWeather_NonFiniteText_NonFinite(string field, string text)
    {
        Assert.Equal(("$." + field, ReasonCodes.NonFinite), SingleProblem(Weather((field, Str(text)))));
    }

    [Theory]
    [InlineData("temperature", "1e400")]
    [InlineData("temperature", "-1e400")]
    [InlineData("humidity", "1e400")]
    [InlineData("wind_speed", "1E+999")]
    public void ValidateWeather_NumberOverflowingDouble_NonFinite(string field, string value)
    {
        Assert.Equal(("$." + field, ReasonCodes.NonFinite), SingleProblem(Weather((field, value))));
    }

    [Theory]
    [InlineData(40.1, 3, "Clear", true)]
    [InlineData(40.0, 3, "Clear", false)]
    [InlineData(4.9, 3, "Clear", true)]
    [InlineData(5.0, 3, "Clear", false)]
    [InlineData(25, 15.1, "Clear", true)]
    [InlineData(25, 15.0, "Clear", false)]
    [InlineData(25, 3, "Rain", true)]
    [InlineData(25, 3, "light rain", true)]
    [InlineData(25, 3, "Thunderstorm", true)]
    [InlineData(25, 3, "Haze", false)]
    [InlineData(25, 3, "Clouds", false)]
    public void ValidateWeather_ExtremeFlagMissing_ComputedFromRule(double temperature, double wind, string condition, bool expected)
    {
        var w = Accepted(Weather(("temperature", N(temperature)), ("wind_speed", N(wind)), ("condition", Str(condition))));

        Assert.Equal(expected, w.IsExtremeWeather);
        Assert.Equal(expected, WeatherRules.IsExtreme(temperature, wind, condition));
    }

    [Fact]
    public void ValidateWeather_ExtremeFlagNull_ComputedFromRule()
    {
        Assert.True(Accepted(Weather(("temperature", "45"), ("is_extreme_weather", "null"))).IsExtremeWeather);
    }

    [Theory]
    [InlineData("45", "false", false)]
    [InlineData("25", "true", true)]
    [InlineData("25", "false", false)]
    [InlineData("45", "true", true)]
    public void ValidateWeather_ExtremeFlagGiven_KeptAsGiven(string temperature, string flag, bool expected)
    {
        Assert.Equal(expected, Accepted(Weather(("temperature", temperature), ("is_extreme_weather", flag))).IsExtremeWeather);
    }

    [Fact]
    public void ValidateWeather_SeveralProblems_ReportsEveryOneWithItsPath()
    {
        var raw = Weather(
            ("city", "\"\""),
            ("temperature", "\"NaN\""),
            ("condition", null),
            ("humidity", "101"),
            ("wind_speed", "-1"),
            ("timestamp", "\"yesterday\""),
            ("is_extreme_weather", "\"no\""));

        var result = _validator.ValidateWeather(raw);

        Assert.Equal(7, result.Errors.Count);
        Assert.Equal(
            [
                ("$.city", ReasonCodes.MissingField),
                ("$.temperature", ReasonCodes.NonFinite),
                ("$.condition", ReasonCodes.MissingField),
                ("$.humidity", ReasonCodes.OutOfRange),
                ("$.wind_speed", ReasonCodes.OutOfRange),
                ("$.timestamp", ReasonCodes.InvalidTimestamp),
                ("$.is_extreme_weather", ReasonCodes.WrongType),
            ],
            Problems(result));
    }
}
