using Microsoft.Extensions.Options;
using MillionX.Pipeline.Stages.WeatherSource;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>The weather stage through the real host, against the fake OpenWeatherMap and the embedded broker.</summary>
public sealed class WeatherSourceTests : BrokerTest, IAsyncLifetime
{
    private const string ApiKey = "owm-test-key-0123456789abcdef";
    private static readonly DateTimeOffset Dt = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    private FakeOpenWeather _owm = null!;

    public async Task InitializeAsync()
    {
        _owm = await FakeOpenWeather.StartAsync(ApiKey);
        _owm.Set("Dhaka", new FakeCityWeather(29.5, 62, 3.1, "Clear", "clear sky", Dt));
        _owm.Set("Chittagong", new FakeCityWeather(27, 88, 5.5, "Rain", "moderate rain", Dt, Rain1h: 2.5));
        _owm.Set("Sylhet", new FakeCityWeather(24, 75, 2, "Clouds", "broken clouds", Dt));
        _owm.Set("Khulna", new FakeCityWeather(41.2, 40, 4, "Clear", "clear sky", Dt));
        _owm.Set("Rajshahi", new FakeCityWeather(12, 55, 16.4, "Haze", "haze", Dt));
    }

    public async Task DisposeAsync() => await _owm.DisposeAsync();

    private Dictionary<string, string?> Config(string attemptTimeout = "00:00:10") => Broker.Config()
        .With("Stages:weather:BaseUrl", _owm.Url)
        .With("Stages:weather:ApiKey", ApiKey)
        .With("Sources:Resilience:RetryDelay", "00:00:00.010")
        .With("Sources:Resilience:MaxRetries", "1")
        // Generous per-attempt timeout: on two busy cores a slow first answer must not turn into a retry and change the
        // exact counts. Tests of a hanging call pass a shorter one.
        .With("Sources:Resilience:AttemptTimeout", attemptTimeout);

    private static async Task RunOnceAsync(Dictionary<string, string?> config)
    {
        using var host = RunCommand.Build(CommandLine.Parse(["--role", "weather", "--once"]), config);
        await host.RunAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    private Dictionary<string, WeatherData> Published() => Broker.ReadAll(Topics.Weather)
        .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.WeatherData)!)
        .ToDictionary(w => w.City);

    [Fact]
    public async Task Run_FiveDefaultCities_OneRecordPerCityWithEveryField()
    {
        await RunOnceAsync(Config());

        Assert.Empty(_owm.Violations);
        Assert.Equal(5, _owm.Requests.Count);
        var weather = Published();
        Assert.Equal(["Chittagong", "Dhaka", "Khulna", "Rajshahi", "Sylhet"], weather.Keys.Order(StringComparer.Ordinal));
        var dhaka = weather["Dhaka"];
        Assert.Equal((29.5, "Clear", 62.0, 3.1, Dt, false), (dhaka.Temperature, dhaka.Condition, dhaka.Humidity, dhaka.WindSpeed, dhaka.Timestamp, dhaka.IsExtremeWeather));
        Assert.True(weather["Chittagong"].IsExtremeWeather);
        Assert.Equal("Rain", weather["Chittagong"].Condition);
        Assert.True(weather["Khulna"].IsExtremeWeather);
        Assert.True(weather["Rajshahi"].IsExtremeWeather);
        Assert.False(weather["Sylhet"].IsExtremeWeather);
        Assert.Equal(0, Broker.Count(Topics.DeadLettersWeather));
    }

    [Fact]
    public async Task Run_OneCityAlways500_OtherFourPublishedAndTheFailureCounted()
    {
        _owm.AlwaysFail("Sylhet", 500);
        var before = WeatherSourceStage.CityFailures.WithLabels("Sylhet").Value;

        await RunOnceAsync(Config().With("Sources:Resilience:MaxRetries", "2"));

        Assert.Equal(["Chittagong", "Dhaka", "Khulna", "Rajshahi"], Published().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(before + 1, WeatherSourceStage.CityFailures.WithLabels("Sylhet").Value);
        // One retry layer: the HTTP client's first attempt and its two retries, not attempts per city x retries.
        Assert.Equal(1 + 2, _owm.RequestsFor("Sylhet"));
        Assert.Equal(1, _owm.RequestsFor("Dhaka"));
    }

    [Fact]
    public async Task Run_CityThrottledThenHanging_RetriedAndEveryCityPublishedOnce()
    {
        _owm.Script("Khulna", FakeWeatherReplyKind.Throttled, FakeWeatherReplyKind.Hang);
        _owm.Script("Dhaka", FakeWeatherReplyKind.ServerError);

        // Khulna needs two retries (a 429, then a hang the attempt timeout ends).
        await RunOnceAsync(Config(attemptTimeout: "00:00:02").With("Sources:Resilience:MaxRetries", "2"));

        Assert.Empty(_owm.Violations);
        Assert.Equal(5, Broker.Count(Topics.Weather));
        Assert.Equal(5, Published().Count);
        Assert.Equal([429, 0, 200], _owm.Requests.Where(r => r.City == "Khulna").Select(r => r.Answer));
        Assert.Equal([503, 200], _owm.Requests.Where(r => r.City == "Dhaka").Select(r => r.Answer));
    }

    [Fact]
    public async Task Run_ConfiguredCities_ReplaceTheDefaults()
    {
        _owm.Set("Barishal", new FakeCityWeather(26, 80, 3, "Mist", "mist", Dt));

        await RunOnceAsync(Config().With("Stages:weather:Cities:0", "Barishal").With("Stages:weather:Cities:1", "Dhaka"));

        Assert.Equal(["Barishal", "Dhaka"], Published().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Barishal,BD", "Dhaka,BD"], _owm.Requests.Select(r => r.Q!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Start_ApiKeyMissing_FailsNamingTheEnvironmentVariable()
    {
        using var host = RunCommand.Build(CommandLine.Parse(["--role", "weather"]), Config().With("Stages:weather:ApiKey", ""));
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Stages:weather:ApiKey is not set (env Stages__weather__ApiKey)", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_owm.Requests);
    }
}
