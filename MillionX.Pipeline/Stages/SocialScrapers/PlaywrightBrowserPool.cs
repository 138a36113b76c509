using Microsoft.Playwright;

namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>
/// Launches the configured Chromium once per process (shared by both scrapers) and hands out a fresh, isolated
/// browser context per identity: its own proxy, user agent, viewport, cookies and storage.
/// </summary>
public sealed class PlaywrightBrowserPool(IOptions<ScrapingOptions> options, ILogger<PlaywrightBrowserPool> logger) : IAsyncDisposable
{
    /// <summary>Flags for Chromium in containers (no sandbox, no GPU, small /dev/shm), quiet (no background traffic) and less bot-like.</summary>
    public static readonly IReadOnlyList<string> LaunchArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-blink-features=AutomationControlled",
    ];

    // Hides the most common automation tell; sites check navigator.webdriver first.
    private const string StealthScript = "Object.defineProperty(navigator, 'webdriver', { get: () => undefined });";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task<IBrowserContext> NewContextAsync(ScrapeIdentity identity, CancellationToken ct)
    {
        var browser = await BrowserAsync(ct);
        var o = new BrowserNewContextOptions
        {
            UserAgent = identity.UserAgent,
            ViewportSize = new ViewportSize { Width = identity.Width, Height = identity.Height },
            Locale = "en-US",
            TimezoneId = "Asia/Dhaka",
        };
        if (!identity.Proxy.IsDirect)
        {
            o.Proxy = new Proxy { Server = identity.Proxy.Server, Username = identity.Proxy.Username, Password = identity.Proxy.Password };
        }

        var context = await browser.NewContextAsync(o);
        await context.AddInitScriptAsync(StealthScript);
        return context;
    }

    private async Task<IBrowser> BrowserAsync(CancellationToken ct)
    {
        if (_browser is { IsConnected: true })
        {
            return _browser;
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (_browser is { IsConnected: true })
            {
                return _browser;
            }

            var o = options.Value;
            if (!File.Exists(o.ChromiumPath))
            {
                throw new InvalidOperationException($"Chromium not found at {o.ChromiumPath} (Scraping:ChromiumPath): install it with `apt-get install -y chromium`.");
            }

            // A crashed browser is replaced; the driver process is kept.
            if (_browser is not null)
            {
                await _browser.DisposeAsync();
            }

            _playwright ??= await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = o.ChromiumPath,
                Headless = o.Headless,
                Args = LaunchArgs,
                Timeout = 60_000,
            });
            logger.LogInformation("Chromium {Version} launched from {Path}", _browser.Version, o.ChromiumPath);
            return _browser;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_browser is not null)
            {
                await _browser.CloseAsync();
                await _browser.DisposeAsync();
            }
        }
        catch (PlaywrightException ex)
        {
            // A browser that already crashed cannot be closed; the driver's exit takes it down.
            logger.LogDebug(ex, "Chromium was already gone at shutdown");
        }

        _playwright?.Dispose();
        _gate.Dispose();
    }
}
