using System.ComponentModel.DataAnnotations;

namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>
/// The <c>Scraping</c> section, shared by the TikTok and Facebook scrapers. Lists have no initialiser (the
/// configuration binder appends to a pre-filled list); the <c>...OrDefault()</c> methods supply the defaults.
/// </summary>
public sealed class ScrapingOptions : IValidatableObject
{
    public const string Section = "Scraping";

    public static readonly IReadOnlyList<string> DefaultKeywords =
        ["online shopping bangladesh", "daraz deal", "facebook shop", "delivery dhaka", "trending product"];

    public static readonly IReadOnlyList<string> DefaultUserAgents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    ];

    public static readonly IReadOnlyList<string> DefaultViewports = ["1366x768", "1440x900", "1536x864", "1920x1080"];

    /// <summary>Debian's Chromium; Playwright's own browser download is never used.</summary>
    [Required]
    public string ChromiumPath { get; set; } = "/usr/bin/chromium";

    public bool Headless { get; set; } = true;

    public List<string> Keywords { get; set; } = [];

    /// <summary>Posts wanted per keyword search; the results page is scrolled until this many are loaded (or no more come).</summary>
    [Range(1, 500)]
    public int PostsPerKeyword { get; set; } = 100;

    /// <summary>Random pause before each scroll of the results, uniformly in [ScrollMinDelay, ScrollMaxDelay] (a reader's pace).</summary>
    public TimeSpan ScrollMinDelay { get; set; } = TimeSpan.FromSeconds(3);

    public TimeSpan ScrollMaxDelay { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>How long after a scroll new cards may take to appear before the scroll counts as one without growth.</summary>
    public TimeSpan ScrollLoadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Scrolls in a row that brought no new card before the results count as exhausted.</summary>
    [Range(1, 20)]
    public int MaxScrollsWithoutGrowth { get; set; } = 2;

    /// <summary>Upper bound on scrolls per keyword search (0: never scroll, take the first page only).</summary>
    [Range(0, 1000)]
    public int MaxScrolls { get; set; } = 60;

    /// <summary>Random pause between two page loads, uniformly in [MinDelay, MaxDelay].</summary>
    public TimeSpan MinDelay { get; set; } = TimeSpan.FromSeconds(3);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Proxy URLs, <c>http://user:pass@host:port</c> (socks5 too); <c>direct</c> is a pool entry without a proxy. Empty: no proxy.</summary>
    public List<string> Proxies { get; set; } = [];

    /// <summary>How long a proxy that failed to connect stays out of the rotation.</summary>
    public TimeSpan ProxyCooldown { get; set; } = TimeSpan.FromMinutes(10);

    public List<string> UserAgents { get; set; } = [];

    /// <summary>Viewport sizes as <c>WIDTHxHEIGHT</c>, rotated with the user agents.</summary>
    public List<string> Viewports { get; set; } = [];

    public TimeSpan NavigationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for results that JavaScript renders after the page loaded.</summary>
    public TimeSpan ResultsTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Identities (context, proxy, user agent) tried for one keyword before it is given up for this run.</summary>
    [Range(1, 20)]
    public int MaxAttemptsPerKeyword { get; set; } = 3;

    [Url]
    public string TikTokBaseUrl { get; set; } = "https://www.tiktok.com";

    [Url]
    public string FacebookBaseUrl { get; set; } = "https://www.facebook.com";

    /// <summary>Search page path; <c>{keyword}</c> is replaced by the URL-encoded keyword.</summary>
    public string TikTokSearchPathTemplate { get; set; } = "/search?q={keyword}";

    public string FacebookSearchPathTemplate { get; set; } = "/search/posts?q={keyword}";

    /// <summary>Below this share of successful keyword searches (over <see cref="SuccessWindow"/>), the Apify fallback runs.</summary>
    [Range(0.0, 1.0)]
    public double FallbackSuccessRate { get; set; } = 0.5;

    /// <summary>How many recent keyword searches the rolling success rate covers.</summary>
    [Range(1, 1000)]
    public int SuccessWindow { get; set; } = 20;

    public ApifyOptions Apify { get; set; } = new();

    public IReadOnlyList<string> KeywordsOrDefault() => Keywords.Count == 0 ? DefaultKeywords : Keywords;

    public IReadOnlyList<string> UserAgentsOrDefault() => UserAgents.Count == 0 ? DefaultUserAgents : UserAgents;

    public IReadOnlyList<(int Width, int Height)> ViewportsOrDefault() =>
        (Viewports.Count == 0 ? DefaultViewports : Viewports).Select(v => TryParseViewport(v, out var size) ? size : (1366, 768)).ToList();

    public static bool TryParseViewport(string s, out (int Width, int Height) size)
    {
        size = default;
        var parts = s.Split('x', 'X');
        if (parts.Length == 2 && int.TryParse(parts[0], out var w) && int.TryParse(parts[1], out var h) && w is >= 200 and <= 8000 && h is >= 200 and <= 8000)
        {
            size = (w, h);
            return true;
        }

        return false;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinDelay < TimeSpan.Zero || MaxDelay < MinDelay)
        {
            yield return new("Scraping:MinDelay must be >= 0 and <= Scraping:MaxDelay.");
        }

        if (ScrollMinDelay < TimeSpan.Zero || ScrollMaxDelay < ScrollMinDelay || ScrollLoadTimeout <= TimeSpan.Zero)
        {
            yield return new("Scraping:ScrollMinDelay must be >= 0 and <= Scraping:ScrollMaxDelay; Scraping:ScrollLoadTimeout must be positive.");
        }

        if (NavigationTimeout <= TimeSpan.Zero || ResultsTimeout <= TimeSpan.Zero)
        {
            yield return new("Scraping:NavigationTimeout and Scraping:ResultsTimeout must be positive.");
        }

        foreach (var p in Proxies.Where(p => !ProxyEndpoint.TryParse(p, out _)))
        {
            // The URL may hold a password: name the position, never the value.
            yield return new($"Scraping:Proxies[{Proxies.IndexOf(p)}] is not a proxy URL (http://[user:pass@]host:port, socks5://..., or 'direct').");
        }

        foreach (var v in Viewports.Where(v => !TryParseViewport(v, out _)))
        {
            yield return new($"Scraping:Viewports entry '{v}' must read WIDTHxHEIGHT, e.g. 1366x768.");
        }

        foreach (var t in new[] { TikTokSearchPathTemplate, FacebookSearchPathTemplate }.Where(t => !t.Contains("{keyword}", StringComparison.Ordinal)))
        {
            yield return new($"Search path template '{t}' must contain {{keyword}}.");
        }
    }
}

/// <summary>
/// <c>Scraping:Apify</c>: the managed-scraper fallback. Items come from <c>GET /v2/datasets/{id}/items</c> when a dataset
/// id is set, else from the actor's last run (<c>GET /v2/acts/{actorId}/runs/last/dataset/items</c>).
/// </summary>
public sealed class ApifyOptions
{
    /// <summary>API token (from the environment: <c>Scraping__Apify__Token</c>); empty disables the fallback.</summary>
    public string Token { get; set; } = "";

    [Url]
    public string BaseUrl { get; set; } = "https://api.apify.com";

    /// <summary>Actor id or <c>owner~name</c>, e.g. <c>clockworks~tiktok-scraper</c>.</summary>
    public string TikTokActorId { get; set; } = "";

    public string TikTokDatasetId { get; set; } = "";

    public string FacebookActorId { get; set; } = "";

    public string FacebookDatasetId { get; set; } = "";

    /// <summary>Always use Apify instead of the browser (e.g. while the scrapers are blocked everywhere).</summary>
    public bool Force { get; set; }

    [Range(1, 10_000)]
    public int MaxItems { get; set; } = 200;

    public bool Configured(SocialPlatform platform) => Token.Length > 0 && platform switch
    {
        SocialPlatform.TikTok => TikTokActorId.Length > 0 || TikTokDatasetId.Length > 0,
        _ => FacebookActorId.Length > 0 || FacebookDatasetId.Length > 0,
    };
}
