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
/// <c>Scraping:Apify</c>: the managed-scraper fallback. Each use starts a run of the platform's actor with our keywords
/// and limits, waits for it to finish, and reads that run's own dataset (see <see cref="ApifyClient"/>).
/// </summary>
public sealed class ApifyOptions : IValidatableObject
{
    public const string Section = "Scraping:Apify";

    /// <summary>API token (from the environment: <c>Scraping__Apify__Token</c>); empty disables the fallback.</summary>
    public string Token { get; set; } = "";

    [Url]
    public string BaseUrl { get; set; } = "https://api.apify.com";

    /// <summary>Actor id or <c>owner~name</c>, e.g. <c>clockworks~tiktok-scraper</c>.</summary>
    public string TikTokActorId { get; set; } = "";

    public string FacebookActorId { get; set; } = "";

    /// <summary>The run input's field for the search terms (the actor's input schema names it; clockworks~tiktok-scraper: <c>searchQueries</c>).</summary>
    public string TikTokKeywordsField { get; set; } = "searchQueries";

    public string FacebookKeywordsField { get; set; } = "searchQueries";

    /// <summary>The run input's field for results per search term (clockworks~tiktok-scraper: <c>resultsPerPage</c>); empty: not sent.</summary>
    public string TikTokPerKeywordField { get; set; } = "resultsPerPage";

    public string FacebookPerKeywordField { get; set; } = "resultsPerPage";

    /// <summary>Always use Apify instead of the browser (e.g. while the scrapers are blocked everywhere).</summary>
    public bool Force { get; set; }

    /// <summary>Most items one run may produce: sent as the <c>maxItems</c> query parameter and input field, and the dataset read limit.</summary>
    [Range(1, 10_000)]
    public int MaxItems { get; set; } = 200;

    /// <summary>Run memory in MB (a power of 2, at least 128); 0: the actor's default.</summary>
    public int MemoryMbytes { get; set; } = 1024;

    /// <summary>Run timeout on Apify's side; the run is aborted by Apify after it (status TIMED-OUT).</summary>
    public TimeSpan RunTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long we wait for a run to finish before aborting it ourselves (a little over <see cref="RunTimeout"/>).</summary>
    public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromMinutes(12);

    /// <summary>Seconds one status request may be held by Apify (<c>waitForFinish</c>, at most 60).</summary>
    [Range(0, 60)]
    public int WaitForFinishSeconds { get; set; } = 15;

    /// <summary>Pause between two status requests when Apify returned early.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most USD the fallback may spend per UTC day (the runs' <c>usageTotalUsd</c>); no run starts once reached. 0: no runs.</summary>
    [Range(0.0, 10_000.0)]
    public double DailyCostCapUsd { get; set; } = 5.0;

    public bool Configured(SocialPlatform platform) => Token.Length > 0 && ActorId(platform).Length > 0;

    public string ActorId(SocialPlatform platform) => platform == SocialPlatform.TikTok ? TikTokActorId : FacebookActorId;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MemoryMbytes != 0 && (MemoryMbytes < 128 || (MemoryMbytes & (MemoryMbytes - 1)) != 0))
        {
            yield return new("Scraping:Apify:MemoryMbytes must be 0 (the actor's default) or a power of 2 of at least 128.");
        }

        if (RunTimeout <= TimeSpan.Zero || WaitTimeout <= TimeSpan.Zero || PollInterval < TimeSpan.Zero)
        {
            yield return new("Scraping:Apify:RunTimeout and WaitTimeout must be positive, PollInterval not negative.");
        }

        if (TikTokKeywordsField.Length == 0 || FacebookKeywordsField.Length == 0)
        {
            yield return new("Scraping:Apify:TikTokKeywordsField and FacebookKeywordsField must name the actor's search-terms input field.");
        }
    }
}

/// <summary>Which CAPTCHA-solving service clears challenges the scrapers meet.</summary>
public enum CaptchaProvider
{
    /// <summary>No solving: a challenge rotates the identity.</summary>
    None,

    /// <summary>2Captcha, its JSON task API (api.2captcha.com/createTask, getTaskResult, reportIncorrect).</summary>
    TwoCaptcha,

    /// <summary>Anti-Captcha (api.anti-captcha.com/createTask, getTaskResult, reportIncorrect...).</summary>
    AntiCaptcha,
}

/// <summary>
/// <c>Scraping:Captcha</c>: the CAPTCHA-solving service. <c>Provider</c> reads <c>none</c>, <c>2captcha</c> or
/// <c>anticaptcha</c>; the key comes from the environment (<c>Scraping__Captcha__ApiKey</c>) and is never logged.
/// </summary>
public sealed class CaptchaOptions : IValidatableObject
{
    public const string Section = "Scraping:Captcha";

    public string Provider { get; set; } = "none";

    public string ApiKey { get; set; } = "";

    /// <summary>The service's API root; empty: the provider's own (https://api.2captcha.com, https://api.anti-captcha.com).</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>Longest one solve may take, from creating the task to the token being on the page.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(180);

    /// <summary>Wait before the first result request for token tasks (reCAPTCHA, hCaptcha): the services advise 10-20 s.</summary>
    public TimeSpan TokenFirstPoll { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait before the first result request for image tasks: the services advise 5 s.</summary>
    public TimeSpan ImageFirstPoll { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Between result requests; 2Captcha asks for at least 5 s, Anti-Captcha for 2-3 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long after submitting the token the page may take to drop the challenge before the solution counts as incorrect.</summary>
    public TimeSpan VerifyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public CaptchaProvider ProviderKind() => TryParseProvider(Provider, out var p) ? p : CaptchaProvider.None;

    public static bool TryParseProvider(string s, out CaptchaProvider provider)
    {
        provider = s.Trim().ToLowerInvariant() switch
        {
            "" or "none" => CaptchaProvider.None,
            "2captcha" or "twocaptcha" => CaptchaProvider.TwoCaptcha,
            "anticaptcha" or "anti-captcha" => CaptchaProvider.AntiCaptcha,
            _ => (CaptchaProvider)(-1),
        };
        return Enum.IsDefined(provider);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!TryParseProvider(Provider, out var provider))
        {
            yield return new($"Scraping:Captcha:Provider '{Provider}' must be none, 2captcha or anticaptcha.");
            yield break;
        }

        if (provider != CaptchaProvider.None && ApiKey.Trim().Length == 0)
        {
            // Never echo the key, only that it is missing.
            yield return new("Scraping:Captcha:ApiKey is required when Scraping:Captcha:Provider is not none (set Scraping__Captcha__ApiKey).");
        }

        if (BaseUrl.Length > 0 && !(Uri.TryCreate(BaseUrl, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"))
        {
            yield return new("Scraping:Captcha:BaseUrl must be an absolute http(s) URL.");
        }

        if (Timeout <= TimeSpan.Zero || VerifyTimeout <= TimeSpan.Zero || TokenFirstPoll < TimeSpan.Zero || ImageFirstPoll < TimeSpan.Zero || PollInterval < TimeSpan.Zero)
        {
            yield return new("Scraping:Captcha:Timeout and VerifyTimeout must be positive; TokenFirstPoll, ImageFirstPoll and PollInterval not negative.");
        }
    }
}
