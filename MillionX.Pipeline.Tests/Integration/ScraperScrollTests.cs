using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.Stages.SocialScrapers;
using Xunit.Abstractions;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// Infinite-scroll search results (#15 point 3), with Debian's Chromium against the fixture site's lazy pages: the
/// scraper scrolls until it has <see cref="ScrapingOptions.PostsPerKeyword"/> posts, and stops when scrolling brings no
/// more. In the scrapers' collection, so these browser tests run one after another and never next to another
/// class's browser.
/// </summary>
[Collection(ScraperCollection.Name)]
public sealed class ScraperScrollTests(ITestOutputHelper output) : BrokerTest, IAsyncLifetime
{
    private FakeSocialSite _site = null!;

    public async Task InitializeAsync()
    {
        DebianPackages.Require("/usr/bin/chromium", "chromium");
        _site = await FakeSocialSite.StartAsync();
        _site.LazyLoadDelay = TimeSpan.FromMilliseconds(100);
    }

    public async Task DisposeAsync() => await _site.DisposeAsync();

    /// <summary>
    /// Fast pacing for tests: the production pauses (3-8 s before each scroll) are measured in
    /// <see cref="RealisticDelays_100PostsPerKeyword_WellUnderFiveMinutes"/>. The wait for a scroll's load ends as soon
    /// as cards arrive, so the 20 s default costs nothing where every scroll brings posts, and a load that a loaded
    /// machine delays by seconds is not taken for a scroll without growth (which would change the counts the tests
    /// assert). A test that waits out scrolls without growth by design passes a shorter <paramref name="scrollLoadTimeout"/>.
    /// </summary>
    private ScrapingOptions Options(int postsPerKeyword, TimeSpan? scrollLoadTimeout = null) => new()
    {
        TikTokBaseUrl = _site.BaseUrl,
        FacebookBaseUrl = _site.BaseUrl,
        PostsPerKeyword = postsPerKeyword,
        MinDelay = TimeSpan.Zero,
        MaxDelay = TimeSpan.Zero,
        ScrollMinDelay = TimeSpan.FromMilliseconds(20),
        ScrollMaxDelay = TimeSpan.FromMilliseconds(80),
        ScrollLoadTimeout = scrollLoadTimeout ?? TimeSpan.FromSeconds(20),
        MaxScrollsWithoutGrowth = 2,
        NavigationTimeout = TimeSpan.FromSeconds(10),
        ResultsTimeout = TimeSpan.FromSeconds(5),
        MaxAttemptsPerKeyword = 1,
    };

    private static async Task<KeywordResult> ScrapeAsync(SocialPlatform platform, ScrapingOptions o, string keyword, TimeSpan? limit = null)
    {
        await using var pool = new PlaywrightBrowserPool(Microsoft.Extensions.Options.Options.Create(o), NullLogger<PlaywrightBrowserPool>.Instance);
        var scraper = new SocialScraper(platform, o, pool, new IdentityRotator(o, TimeProvider.System), new NoCaptchaSolver(), new ScraperStats(platform, 20), NullLogger.Instance);
        using var timeout = new CancellationTokenSource(limit ?? TimeSpan.FromMinutes(2));
        return await scraper.ScrapeKeywordAsync(keyword, timeout.Token);
    }

    /// <summary>
    /// Scrapes the lazy results of <paramref name="keyword"/> wanting 100 posts, asserts it succeeded with the first
    /// <paramref name="posts"/> cards in order, and says how many loads after the first page it took to bring them.
    /// </summary>
    private async Task<(KeywordResult Result, int LoadsWithPosts)> ScrapeLazyAsync(SocialPlatform platform, string keyword, int posts, TimeSpan? scrollLoadTimeout = null)
    {
        var result = await ScrapeAsync(platform, Options(100, scrollLoadTimeout), keyword);
        Assert.True(result.Success, result.Failure);
        Assert.Equal(ExpectedIds(platform, posts), PostIds(platform, result));
        var batch = FakeSocialSite.LazyBatch(Platform(platform));
        return (result, (int)Math.Ceiling((double)(posts - batch) / batch));
    }

    private static string Platform(SocialPlatform p) => p == SocialPlatform.TikTok ? "tiktok" : "facebook";

    private static IEnumerable<string?> PostIds(SocialPlatform platform, KeywordResult result) =>
        result.Cards.Select(c => PostIdExtractor.For(platform, c.Url));

    private static IEnumerable<string?> ExpectedIds(SocialPlatform platform, int count) =>
        Enumerable.Range(0, count).Select(i => FakeSocialSite.LazyCard(i))
            .Select(c => platform == SocialPlatform.TikTok ? c.Id : c.FacebookPath![^15..]);

    [Theory]
    [InlineData(SocialPlatform.TikTok)]
    [InlineData(SocialPlatform.Facebook)]
    public async Task ScrapeKeyword_LazyResults_ScrollsUntilPostsPerKeywordThenStops(SocialPlatform platform)
    {
        var (result, loadsNeeded) = await ScrapeLazyAsync(platform, "lazy-300", 100);

        // One load per scroll, and no scroll once 100 were on the page: TikTok pages 12 at a time (12 + 8 x 12 = 108),
        // Facebook 5 (5 + 19 x 5 = 100).
        Assert.Equal(loadsNeeded, _site.LazyLoads(Platform(platform), "lazy-300"));
        Assert.Equal(loadsNeeded, result.Scrolls);
    }

    [Theory]
    [InlineData(SocialPlatform.TikTok)]
    [InlineData(SocialPlatform.Facebook)]
    public async Task ScrapeKeyword_ResultsRunOut_StopsAfterScrollsWithoutGrowth(SocialPlatform platform)
    {
        // The last two scrolls wait out the load timeout: 5 s each, still far above the fixture's 100 ms loads.
        var (result, fruitful) = await ScrapeLazyAsync(platform, "lazy-30", 30, TimeSpan.FromSeconds(5));

        // The loads that brought posts, one that brought none (the page then stops asking), and one more scroll
        // without growth: MaxScrollsWithoutGrowth = 2 scrolls in a row with nothing new end the search.
        Assert.Equal(fruitful + 1, _site.LazyLoads(Platform(platform), "lazy-30"));
        Assert.Equal(fruitful + 2, result.Scrolls);
    }

    [Fact]
    public async Task ScrapeKeyword_FirstPageHoldsEnough_DoesNotScroll()
    {
        var result = await ScrapeAsync(SocialPlatform.TikTok, Options(10), "lazy-300");

        Assert.Equal(ExpectedIds(SocialPlatform.TikTok, 10), PostIds(SocialPlatform.TikTok, result));
        Assert.Equal(0, result.Scrolls);
        Assert.Equal(0, _site.LazyLoads("tiktok", "lazy-300"));
    }

    [Fact]
    public async Task ScrapeKeyword_EmptyResults_DoesNotScroll()
    {
        // The watch also covers starting Chromium and loading the page, seconds on a loaded machine; with a long load
        // timeout, scrolling (two scrolls without growth, 60 s each) would take 2 minutes and so stands out from that.
        var o = Options(100, scrollLoadTimeout: TimeSpan.FromSeconds(60));
        var watch = Stopwatch.StartNew();
        var result = await ScrapeAsync(SocialPlatform.Facebook, o, "empty");

        Assert.True(result.Success, result.Failure);
        Assert.Empty(result.Cards);
        Assert.Equal(0, result.Scrolls);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}: it waited for cards after a scroll");
    }

    /// <summary>
    /// The stage in the host, with the default PostsPerKeyword (100): every post carries the keyword it was found with
    /// as its first hashtag, and its product mentions come from the configured keyword groups, not the built-in ones.
    /// </summary>
    [Fact]
    public async Task TikTokScraper_LazyKeyword_Publishes100PostsTaggedWithKeywordAndConfiguredGroups()
    {
        var config = Broker.Config()
            .With("Sources:Once", "true")
            .With("Sources:Checkpoints:Directory", TempDir)
            .With("Scraping:TikTokBaseUrl", _site.BaseUrl)
            .With("Scraping:MinDelay", "00:00:00")
            .With("Scraping:MaxDelay", "00:00:00")
            .With("Scraping:ScrollMinDelay", "00:00:00.020")
            .With("Scraping:ScrollMaxDelay", "00:00:00.080")
            // lazy-150 grows with every scroll; "normal" (one page, no more) waits out two scrolls without growth, so
            // the timeout is long enough for a late load on a loaded machine and short enough not to drag that out.
            .With("Scraping:ScrollLoadTimeout", "00:00:05")
            .With("Scraping:Keywords:0", "lazy-150")
            .With("Scraping:Keywords:1", "normal")
            .With("Stages:context-enricher:Keywords:footwear:0", "sneaker")
            .With("Stages:context-enricher:Keywords:audio:0", "earbuds");
        using var host = RunCommand.Build(CommandLine.Parse(["--role", "tiktok-scraper"]), config);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await host.RunAsync(timeout.Token);
        Assert.False(timeout.IsCancellationRequested, "the --once run did not finish within 120 s");

        var posts = Broker.ReadAll(Topics.SocialTiktok)
            .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.SocialPost)!)
            .ToDictionary(p => p.PostId);
        var lazy = ExpectedIds(SocialPlatform.TikTok, 100).ToList();
        Assert.Equal(lazy.Concat(FakeSocialSite.Normal.Select(c => c.Id)).Order(StringComparer.Ordinal), posts.Keys.Order(StringComparer.Ordinal));
        Assert.All(lazy, id => Assert.Equal(["lazy-150", "lazy"], posts[id!].Hashtags));
        Assert.All(lazy, id => Assert.Equal(["footwear"], posts[id!].ProductMentions));
        Assert.Equal(["normal", "eid", "dhaka"], posts["7300000000000000001"].Hashtags);
        Assert.Equal(["footwear"], posts["7300000000000000001"].ProductMentions);
        Assert.Equal(["audio"], posts["7300000000000000002"].ProductMentions);
        // "Jamdani shari" is a product only in the built-in groups, which configured groups replace.
        Assert.Empty(posts["7300000000000000003"].ProductMentions);
    }

    /// <summary>
    /// The plan's check "100 posts in under 5 minutes", measured: production pacing (3-8 s before each scroll) against
    /// the fixture's realistic batches (TikTok 12, Facebook 5 per load) and load time (1.2 s). Takes about 3 minutes,
    /// so it runs only with MILLIONX_MEASURE_SCRAPING=1; the figure it prints is in docs/performance.md.
    /// </summary>
    [MeasurementFact]
    public async Task RealisticDelays_100PostsPerKeyword_WellUnderFiveMinutes()
    {
        _site.LazyLoadDelay = TimeSpan.FromMilliseconds(1200);
        foreach (var platform in new[] { SocialPlatform.TikTok, SocialPlatform.Facebook })
        {
            var o = Options(100);
            o.ScrollMinDelay = new ScrapingOptions().ScrollMinDelay;
            o.ScrollMaxDelay = new ScrapingOptions().ScrollMaxDelay;
            o.ScrollLoadTimeout = new ScrapingOptions().ScrollLoadTimeout;
            var watch = Stopwatch.StartNew();
            var result = await ScrapeAsync(platform, o, "lazy-500", TimeSpan.FromMinutes(6));
            watch.Stop();

            Assert.Equal(100, result.Cards.Count);
            output.WriteLine($"{platform}: 100 posts in {watch.Elapsed.TotalSeconds:F1} s ({result.Scrolls} scrolls)");
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(5), $"{platform}: 100 posts took {watch.Elapsed}");
        }
    }
}

/// <summary>A fact that runs only when MILLIONX_MEASURE_SCRAPING=1: a timing with production delays, minutes long.</summary>
public sealed class MeasurementFactAttribute : FactAttribute
{
    public MeasurementFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("MILLIONX_MEASURE_SCRAPING") != "1")
        {
            Skip = "a measurement with production delays; set MILLIONX_MEASURE_SCRAPING=1 to run it";
        }
    }
}
