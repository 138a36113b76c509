namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// The acceptance run: one host with every external source switched on over an ingest-like profile, pointed at
/// the local fixture servers (social site in real Chromium, Shopify GraphQL, Daraz Open Platform, OpenWeatherMap),
/// run once; every record reaches its source topic with the right fields and exact counts.
/// </summary>
public sealed class AllSourcesTests : BrokerTest, IAsyncLifetime
{
    private const string DarazKey = "501234";
    private const string DarazSecret = "all-sources-secret";
    private const string DarazToken = "all-sources-token";
    private const string WeatherKey = "owm-all-sources";
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.FromHours(6));

    private FakeSocialSite _site = null!;
    private FakeShopify _shop = null!;
    private FakeDaraz _daraz = null!;
    private FakeOpenWeather _owm = null!;

    public async Task InitializeAsync()
    {
        DebianPackages.Require("/usr/bin/chromium", "chromium");
        _site = await FakeSocialSite.StartAsync();
        _shop = await FakeShopify.StartAsync();
        _daraz = await FakeDaraz.StartAsync(DarazKey, DarazSecret, DarazToken);
        _owm = await FakeOpenWeather.StartAsync(WeatherKey);
    }

    public async Task DisposeAsync()
    {
        await _site.DisposeAsync();
        await _shop.DisposeAsync();
        await _daraz.DisposeAsync();
        await _owm.DisposeAsync();
    }

    [Fact]
    public async Task IngestProfile_WithEverySourceAgainstFixtures_RecordsReachSourceTopicsWithExactCounts()
    {
        var shopOrders = FakeShopify.Generate(12, 5001, ShopifyQueries().AddHours(-2), TimeSpan.FromMinutes(3));
        _shop.Upsert(shopOrders);
        _daraz.Put(
            new FakeDarazOrder(9001, T0, T0.AddSeconds(30), "pending", "01711000001",
                [new FakeDarazItem(1, "SKU-A", "Leather Juta", 2200m), new FakeDarazItem(2, "SKU-A", "Leather Juta", 2200m), new FakeDarazItem(3, "SKU-B", "Hand Bag", 1350m)]),
            new FakeDarazOrder(9002, T0.AddMinutes(5), T0.AddMinutes(6), "delivered", "+8801811000002", [new FakeDarazItem(4, "SKU-C", "Jamdani Shari", 4500m, "delivered")]));
        var dt = DateTimeOffset.UtcNow.AddMinutes(-10);
        foreach (var (city, temp) in new[] { ("Dhaka", 29.5), ("Chittagong", 27.0), ("Sylhet", 24.0), ("Khulna", 41.2), ("Rajshahi", 18.0) })
        {
            _owm.Set(city, new FakeCityWeather(temp, 60, 3, "Clear", "clear sky", dt));
        }

        var config = Broker.Config()
            .With("Pipeline:Profile", "ingest")
            .With("Stages:sample-source:Enabled", "false")
            .With("Stages:tiktok-scraper:Enabled", "true")
            .With("Stages:shopify-sync:Enabled", "true")
            .With("Stages:daraz-sync:Enabled", "true")
            .With("Stages:weather:Enabled", "true")
            .With("Sources:Once", "true")
            .With("Sources:Checkpoints:Directory", Path.Combine(Path.GetTempPath(), "millionx-tests", Guid.NewGuid().ToString("N")))
            .With("Sources:Resilience:RetryDelay", "00:00:00.010")
            .With("Sources:Resilience:AttemptTimeout", "00:00:10")
            .With("Scraping:TikTokBaseUrl", _site.BaseUrl)
            .With("Scraping:Keywords:0", "normal")
            .With("Scraping:MinDelay", "00:00:00")
            .With("Scraping:MaxDelay", "00:00:00")
            .WithShop(_shop)
            .With("Stages:daraz-sync:BaseUrl", _daraz.RestUrl)
            .With("Stages:daraz-sync:AppKey", DarazKey)
            .With("Stages:daraz-sync:AppSecret", DarazSecret)
            .With("Stages:daraz-sync:AccessToken", DarazToken)
            .With("Stages:daraz-sync:MerchantId", "M-DZ")
            .With("Stages:daraz-sync:InitialWatermark", "2026-11-01T00:00:00+06:00")
            .With("Stages:weather:BaseUrl", _owm.Url)
            .With("Stages:weather:ApiKey", WeatherKey);

        using var host = RunCommand.Build(CommandLine.Parse([]), config);
        await host.RunAsync().WaitAsync(TimeSpan.FromSeconds(120));

        var tiktok = Broker.ReadAll(Topics.SocialTiktok).Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.SocialPost)!).ToList();
        Assert.Equal(FakeSocialSite.Normal.Select(c => c.Id).Order(StringComparer.Ordinal), tiktok.Select(p => p.PostId).Order(StringComparer.Ordinal));
        Assert.All(tiktok, p => Assert.Equal("tiktok", p.Platform));

        var shopify = Broker.ReadAll(Topics.MarketShopify).Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.MarketOrder)!).ToList();
        Assert.Equal(shopOrders.Sum(o => o.Lines.Count), shopify.Count);
        Assert.Equal(shopOrders.Select(o => o.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal),
            shopify.Select(o => o.OrderId).Distinct().Order(StringComparer.Ordinal));

        var daraz = Broker.ReadAll(Topics.MarketDaraz).Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.MarketOrder)!)
            .OrderBy(o => o.OrderId).ThenBy(o => o.ProductId).ToList();
        Assert.Equal([("9001", "SKU-A", 2), ("9001", "SKU-B", 1), ("9002", "SKU-C", 1)], daraz.Select(o => (o.OrderId, o.ProductId, o.Quantity)));
        Assert.All(daraz, o => Assert.Equal("M-DZ", o.MerchantId));

        var weather = Broker.ReadAll(Topics.Weather).Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.WeatherData)!).ToList();
        Assert.Equal(["Chittagong", "Dhaka", "Khulna", "Rajshahi", "Sylhet"], weather.Select(w => w.City).Order(StringComparer.Ordinal));
        Assert.True(weather.Single(w => w.City == "Khulna").IsExtremeWeather);

        Assert.Equal(0, Broker.Count(Topics.DeadLettersMarket) + Broker.Count(Topics.DeadLettersWeather));
    }

    private static DateTimeOffset ShopifyQueries() => Stages.ShopifySync.ShopifyQueries.TruncateToSeconds(DateTimeOffset.UtcNow);
}
