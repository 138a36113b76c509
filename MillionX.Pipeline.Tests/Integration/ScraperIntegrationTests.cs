using MillionX.Pipeline.DeadLetters;
using MillionX.Pipeline.Stages.SocialScrapers;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// The real scraper stages, in the host, with Debian's Chromium against local fixture sites, publishing to the embedded
/// broker. One class so the browser tests run one after another (2 cores).
/// </summary>
[Collection(ScraperCollection.Name)]
public sealed class ScraperIntegrationTests : BrokerTest, IAsyncLifetime
{
    private FakeSocialSite _site = null!;
    private FakeApify _apify = null!;

    public async Task InitializeAsync()
    {
        DebianPackages.Require("/usr/bin/chromium", "chromium");
        _site = await FakeSocialSite.StartAsync();
        _apify = await FakeApify.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _site.DisposeAsync();
        await _apify.DisposeAsync();
    }

    private Dictionary<string, string?> Config(params string[] keywords)
    {
        return Broker.Config()
            .With("Sources:Once", "true")
            .With("Sources:Checkpoints:Directory", Path.Combine(Path.GetTempPath(), "millionx-tests", Guid.NewGuid().ToString("N")))
            .With("Sources:Resilience:MaxRetries", "1")
            .With("Sources:Resilience:RetryDelay", "00:00:00.050")
            .With("Scraping:TikTokBaseUrl", _site.BaseUrl)
            .With("Scraping:FacebookBaseUrl", _site.BaseUrl)
            .With("Scraping:MinDelay", "00:00:00")
            .With("Scraping:MaxDelay", "00:00:00")
            .With("Scraping:ScrollMinDelay", "00:00:00")
            .With("Scraping:ScrollMaxDelay", "00:00:00")
            .With("Scraping:ScrollLoadTimeout", "00:00:00.300")
            .With("Scraping:NavigationTimeout", "00:00:03")
            .With("Scraping:ResultsTimeout", "00:00:03")
            .With("Scraping:MaxAttemptsPerKeyword", "2")
            .WithKeywords(keywords);
    }

    private static async Task<T> RunOnceAsync<T>(string role, Dictionary<string, string?> config, Func<IHost, T> inspect)
    {
        using var host = RunCommand.Build(CommandLine.Parse(["--role", role]), config);
        var result = inspect(host);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.RunAsync(timeout.Token);
        Assert.False(timeout.IsCancellationRequested, "the --once run did not finish within 60 s");
        return result;
    }

    private Dictionary<string, SocialPost> Posts(string topic) => Broker.ReadAll(topic)
        .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.SocialPost)!)
        .ToDictionary(p => p.PostId);

    private List<DeadLetterEnvelope> DeadLetters() => Broker.ReadAll(Topics.DeadLettersSocial)
        .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.DeadLetterEnvelope)!)
        .ToList();

    [Fact]
    public async Task TikTokScraper_AllScenarios_PublishesValidPostsDeadLettersMalformedAndCounts()
    {
        var deadProxy = $"http://scraper:hunter2@127.0.0.1:{FakeSocialSite.ClosedPort()}";
        var config = Config("normal", "late", "malformed", "empty", "hang", "blockonce", "captcha")
            .With("Scraping:Proxies:0", deadProxy)
            .With("Scraping:Proxies:1", "direct");
        var stats = await RunOnceAsync("tiktok-scraper", config, h => h.Services.GetRequiredService<TikTokScraperStage>().Stats);

        var posts = Posts(Topics.SocialTiktok);
        Assert.Equal(
            ["7300000000000000001", "7300000000000000002", "7300000000000000003", "7300000000000000011", "7300000000000000012", "7300000000000000021", "7300000000000000031"],
            posts.Keys.Order(StringComparer.Ordinal));
        var first = posts["7300000000000000001"];
        Assert.Equal("tiktok", first.Platform);
        Assert.Equal("shop.bd", first.AuthorUsername);
        Assert.Equal("Notun sneaker collection #eid #dhaka", first.Content);
        Assert.Equal(1200, first.EngagementCount);
        Assert.Equal(["normal", "eid", "dhaka"], first.Hashtags);
        Assert.Equal(["juta"], first.ProductMentions);
        Assert.True(DateTimeOffset.UtcNow - first.Timestamp < TimeSpan.FromMinutes(5), "no time on the card: scraped-at");
        Assert.Equal(3456, posts["7300000000000000002"].EngagementCount);
        Assert.Equal(1200, posts["7300000000000000003"].EngagementCount);
        Assert.Equal(2_500_000, posts["7300000000000000011"].EngagementCount);
        Assert.Equal(12_500, posts["7300000000000000031"].EngagementCount);

        var dead = DeadLetters();
        Assert.Equal(2, dead.Count);
        Assert.Equal(["missing_field", "missing_field"], dead.Select(d => d.Reason));
        Assert.Contains(dead, d => d.Errors.Any(e => e.Path == "$.engagement_count"));
        Assert.Contains(dead, d => d.Errors.Any(e => e.Path == "$.post_id"));
        Assert.All(dead, d => Assert.Equal($"tiktok:malformed:{_site.BaseUrl}/search?q=malformed", d.Origin));
        // The card's HTML can hold usernames: it is kept for diagnosis, but only encrypted.
        Assert.All(dead, d => Assert.DoesNotContain("<div", d.Detail, StringComparison.Ordinal));
        Assert.All(dead, d => Assert.StartsWith("<div class=\"DivItemContainerForSearch\">", DeadLetterPublisher.DetailText(d, TestConfig.Crypto)));
        Assert.All(dead, d => Assert.True(DeadLetterPublisher.DetailText(d, TestConfig.Crypto)!.Length <= 512));

        // normal: dead proxy then direct; blockonce: 403 then results; captcha: twice, then given up; hang: timed out.
        Assert.Equal(10, stats.Attempts);
        Assert.Equal(5, stats.Successes);
        Assert.Equal(2, stats.Failures);
        Assert.Equal(1, stats.Blocks);
        Assert.Equal(2, stats.Captchas);
        Assert.Equal(1, stats.ProxyFailures);
        Assert.Equal(9, stats.Posts);
        Assert.Equal(0, stats.ApifyRuns);
        Assert.Equal(5 / 7.0, stats.RollingSuccessRate, 3);
        Assert.Equal(2, _site.Hits("tiktok", "blockonce"));
        Assert.Equal(2, _site.Hits("tiktok", "captcha"));
    }

    [Fact]
    public async Task FacebookScraper_MostlyBlocked_FallsBackToApifyAndPublishesBoth()
    {
        var config = Config("normal", "blocked", "hang")
            .With("Scraping:Apify:BaseUrl", _apify.Url)
            .With("Scraping:Apify:Token", FakeApify.Token)
            .With("Scraping:Apify:FacebookActorId", "apify~facebook-posts-scraper")
            .With("Scraping:Apify:WaitForFinishSeconds", "0")
            .With("Scraping:Apify:PollInterval", "00:00:00.050");
        var stats = await RunOnceAsync("facebook-scraper", config, h => h.Services.GetRequiredService<FacebookScraperStage>().Stats);

        var posts = Posts(Topics.SocialFacebook);
        Assert.Equal(["123456789012301", "123456789012302", "123456789012303", "123456789012341", "123456789012342"], posts.Keys.Order(StringComparer.Ordinal));
        var p = posts["123456789012302"];
        Assert.Equal("facebook", p.Platform);
        Assert.Equal("gadget.bd", p.AuthorUsername);
        Assert.Equal("Original earbuds ekhon daraz e", p.Content);
        Assert.Equal(3456, p.EngagementCount);
        Assert.Equal(["earbuds"], p.ProductMentions);
        Assert.InRange(DateTimeOffset.UtcNow - p.Timestamp, TimeSpan.FromMinutes(110), TimeSpan.FromMinutes(130));
        Assert.Equal(900, posts["123456789012341"].EngagementCount);
        Assert.Equal(["phone"], posts["123456789012341"].ProductMentions);
        Assert.Empty(DeadLetters());

        Assert.Equal(1, stats.Successes);
        Assert.Equal(2, stats.Failures);
        Assert.Equal(2, stats.Blocks);
        Assert.Equal(1, stats.ApifyRuns);
        Assert.Equal(2, stats.ApifyPosts);
        // A new run of the actor with this run's keywords, then that run's dataset; never an older run's.
        var start = Assert.Single(_apify.Calls("POST", "/v2/acts/"));
        Assert.Equal("/v2/acts/apify~facebook-posts-scraper/runs", start.Path);
        Assert.Equal(["normal", "blocked", "hang"], start.Body!["searchQueries"]!.AsArray().Select(k => k!.GetValue<string>()));
        Assert.Equal("200", start.Query["maxItems"]);
        var runId = Assert.Single(_apify.StartedRuns);
        Assert.Equal($"/v2/datasets/Dataset{runId}/items", Assert.Single(_apify.Calls("GET", "/v2/datasets/")).Path);
        Assert.Empty(_apify.Violations);
    }

    [Fact]
    public async Task TikTokScraper_ApifyForced_ReadsDatasetWithoutBrowser()
    {
        var config = Config("normal")
            .With("Scraping:Apify:BaseUrl", _apify.Url)
            .With("Scraping:Apify:Token", FakeApify.Token)
            .With("Scraping:Apify:TikTokActorId", "clockworks~tiktok-scraper")
            .With("Scraping:Apify:MaxItems", "50")
            .With("Scraping:Apify:WaitForFinishSeconds", "0")
            .With("Scraping:Apify:PollInterval", "00:00:00.050")
            .With("Scraping:Apify:Force", "true");
        var stats = await RunOnceAsync("tiktok-scraper", config, h => h.Services.GetRequiredService<TikTokScraperStage>().Stats);

        var posts = Posts(Topics.SocialTiktok);
        Assert.Equal(["7300000000000000041", "7300000000000000042"], posts.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("apify.two", posts["7300000000000000042"].AuthorUsername);
        Assert.Equal(901, posts["7300000000000000042"].EngagementCount);
        Assert.Equal(["shari"], posts["7300000000000000042"].ProductMentions);
        Assert.Equal(0, stats.Attempts);
        Assert.Equal(0, _site.Hits("tiktok", "normal"));
        var runId = Assert.Single(_apify.StartedRuns);
        var read = Assert.Single(_apify.Calls("GET", "/v2/datasets/"));
        Assert.Equal($"/v2/datasets/Dataset{runId}/items", read.Path);
        Assert.Equal("50", read.Query["limit"]);
        Assert.All(_apify.Requests, r => Assert.Equal($"Bearer {FakeApify.Token}", r.Authorization));
        Assert.Empty(_apify.Violations);
    }
}
