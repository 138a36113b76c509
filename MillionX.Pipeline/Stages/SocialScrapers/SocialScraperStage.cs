namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary><c>Stages:tiktok-scraper</c> / <c>Stages:facebook-scraper</c>: what differs per platform.</summary>
public sealed class ScraperStageOptions
{
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>
/// A scraper as a source: each run searches every keyword in the browser and publishes the posts it found through the
/// shared gate (invalid ones are dead-lettered with the card's HTML in the origin). When Apify is forced, or the
/// rolling success rate fell below <see cref="ScrapingOptions.FallbackSuccessRate"/>, the run also takes Apify's items.
/// </summary>
public abstract class SocialScraperStage : SourceStage
{
    private readonly ScrapingOptions _options;
    private readonly TimeSpan _interval;
    private readonly SocialScraper _scraper;
    private readonly ApifyClient _apify;
    private readonly IReadOnlyDictionary<string, string[]> _productGroups;

    protected SocialScraperStage(
        string name,
        SocialPlatform platform,
        SourceServices services,
        IOptions<ScrapingOptions> options,
        IOptionsMonitor<ScraperStageOptions> stageOptions,
        PlaywrightBrowserPool pool,
        ICaptchaSolver solver,
        ApifyClient apify,
        ProductKeywordGroups productGroups)
        : base(name, services)
    {
        _productGroups = productGroups.Groups;
        Platform = platform;
        _options = options.Value;
        _interval = stageOptions.Get(name).Interval;
        _apify = apify;
        Stats = new ScraperStats(platform, _options.SuccessWindow);
        _scraper = new SocialScraper(platform, _options, pool, new IdentityRotator(_options, services.Clock), solver, Stats, Logger);
    }

    public SocialPlatform Platform { get; }

    public ScraperStats Stats { get; }

    protected override TimeSpan Interval => _interval;

    protected override async Task<SourceRun> RunOnceAsync(CancellationToken ct)
    {
        var run = SourceRun.Empty;
        var apifyReady = _options.Apify.Configured(Platform);
        if (!(apifyReady && _options.Apify.Force))
        {
            foreach (var keyword in _options.KeywordsOrDefault())
            {
                var result = await _scraper.ScrapeKeywordAsync(keyword, ct);
                Stats.KeywordDone(result.Success);
                if (!result.Success)
                {
                    run = run.Add(new SourceRun(0, 0, 0, 1));
                    continue;
                }

                Stats.Scraped(result.Cards.Count);
                var now = Services.Clock.GetUtcNow();
                run = run.Add(await PublishAsync(Platform.Kind(), result.Cards.Select(c =>
                    (SocialPostMapper.ToRaw(Platform, c, now, keyword, _productGroups), SocialPostMapper.Origin(Platform, keyword, result.PageUrl), SocialPostMapper.Snippet(c.Html))).ToList(), ct));
            }
        }

        if (apifyReady && (_options.Apify.Force || Stats.RollingSuccessRate < _options.FallbackSuccessRate))
        {
            Logger.LogWarning("{Stage}: using the Apify fallback ({Reason})", Name,
                _options.Apify.Force ? "forced" : $"success rate {Stats.RollingSuccessRate:P0} below {_options.FallbackSuccessRate:P0}");
            var cards = await _apify.FetchAsync(Platform, ct);
            Stats.FromApify(cards.Count);
            var now = Services.Clock.GetUtcNow();
            run = run.Add(await PublishAsync(Platform.Kind(), cards.Select(c =>
                (SocialPostMapper.ToRaw(Platform, c, now, productGroups: _productGroups), SocialPostMapper.Origin(Platform, "apify", _options.Apify.BaseUrl), SocialPostMapper.Snippet(c.Html))).ToList(), ct));
        }

        return run;
    }
}

public sealed class TikTokScraperStage(
    SourceServices services, IOptions<ScrapingOptions> options, IOptionsMonitor<ScraperStageOptions> stageOptions,
    PlaywrightBrowserPool pool, ICaptchaSolver solver, ApifyClient apify, ProductKeywordGroups productGroups)
    : SocialScraperStage(StageName, SocialPlatform.TikTok, services, options, stageOptions, pool, solver, apify, productGroups)
{
    public const string StageName = "tiktok-scraper";
}

public sealed class FacebookScraperStage(
    SourceServices services, IOptions<ScrapingOptions> options, IOptionsMonitor<ScraperStageOptions> stageOptions,
    PlaywrightBrowserPool pool, ICaptchaSolver solver, ApifyClient apify, ProductKeywordGroups productGroups)
    : SocialScraperStage(StageName, SocialPlatform.Facebook, services, options, stageOptions, pool, solver, apify, productGroups)
{
    public const string StageName = "facebook-scraper";
}
