using Microsoft.Playwright;
using PlaywrightTimeout = System.TimeoutException;

namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>What one keyword search gave: the cards, or that it was given up.</summary>
public sealed record KeywordResult(string Keyword, string PageUrl, bool Success, IReadOnlyList<ScrapedCard> Cards, string? Failure = null)
{
    /// <summary>Scrolls made to load more results (see <see cref="ScrapingOptions.PostsPerKeyword"/>).</summary>
    public int Scrolls { get; init; }
}

/// <summary>
/// Scrapes one platform's search results with a real browser: per keyword a fresh context (next proxy, user agent,
/// viewport), navigation with a timeout, waiting for late-rendered results, block and CAPTCHA detection with identity
/// rotation, scrolling the results until <see cref="ScrapingOptions.PostsPerKeyword"/> cards are loaded (or no more come),
/// and extraction of the post cards. Never logs post content or usernames.
/// </summary>
public sealed class SocialScraper(
    SocialPlatform platform,
    ScrapingOptions options,
    PlaywrightBrowserPool pool,
    IdentityRotator identities,
    ICaptchaSolver solver,
    ScraperStats stats,
    ILogger logger)
{
    private static readonly string[] ProxyErrors =
        ["ERR_PROXY_CONNECTION_FAILED", "ERR_TUNNEL_CONNECTION_FAILED", "ERR_PROXY_AUTH", "ERR_SOCKS_CONNECTION_FAILED", "ERR_NO_SUPPORTED_PROXIES", "ERR_PROXY_CERTIFICATE_INVALID"];

    private readonly PlatformMarkup _markup = PlatformMarkup.For(platform);
    private long _requests;

    public string SearchUrl(string keyword)
    {
        var (baseUrl, template) = platform == SocialPlatform.TikTok
            ? (options.TikTokBaseUrl, options.TikTokSearchPathTemplate)
            : (options.FacebookBaseUrl, options.FacebookSearchPathTemplate);
        return baseUrl.TrimEnd('/') + template.Replace("{keyword}", Uri.EscapeDataString(keyword), StringComparison.Ordinal);
    }

    public async Task<KeywordResult> ScrapeKeywordAsync(string keyword, CancellationToken ct)
    {
        var url = SearchUrl(keyword);
        for (var attempt = 1; attempt <= options.MaxAttemptsPerKeyword; attempt++)
        {
            await PoliteDelayAsync(ct);
            var identity = identities.Next();
            var context = await pool.NewContextAsync(identity, ct);
            try
            {
                var page = await context.NewPageAsync();
                page.SetDefaultTimeout((float)options.ResultsTimeout.TotalMilliseconds);
                stats.Attempt();
                IResponse? response;
                try
                {
                    response = await page.GotoAsync(url, new PageGotoOptions
                    {
                        Timeout = (float)options.NavigationTimeout.TotalMilliseconds,
                        WaitUntil = WaitUntilState.DOMContentLoaded,
                    }).WaitAsync(ct);
                }
                catch (PlaywrightException ex) when (!identity.Proxy.IsDirect && ProxyErrors.Any(e => ex.Message.Contains(e, StringComparison.Ordinal)))
                {
                    stats.ProxyFailure();
                    identities.CoolDown(identity.Proxy);
                    logger.LogWarning("{Platform}: proxy {Proxy} failed to connect; cooling down for {Cooldown}", platform, identity.Proxy, options.ProxyCooldown);
                    continue;
                }
                catch (PlaywrightTimeout)
                {
                    logger.LogWarning("{Platform}: search page did not load within {Timeout}; keyword skipped this run", platform, options.NavigationTimeout);
                    return new(keyword, url, false, [], "navigation_timeout");
                }
                catch (PlaywrightException ex)
                {
                    logger.LogWarning("{Platform}: navigation failed ({Error}); keyword skipped this run", platform, FirstLine(ex.Message));
                    return new(keyword, url, false, [], "navigation_error");
                }

                var verdict = await VerdictAsync(page, response?.Status, ct);
                if (verdict == PageVerdict.Ok && !await WaitForResultsAsync(page, ct))
                {
                    // Nothing rendered in time: a challenge may have replaced the page meanwhile; otherwise it is an empty result.
                    verdict = await VerdictAsync(page, null, ct);
                }

                if (verdict == PageVerdict.Captcha)
                {
                    stats.Captcha();
                    if (await solver.TrySolveAsync(platform, page, ct) && await WaitForResultsAsync(page, ct))
                    {
                        verdict = await VerdictAsync(page, null, ct);
                    }
                }
                else if (verdict == PageVerdict.Blocked)
                {
                    stats.Block();
                }

                if (verdict != PageVerdict.Ok)
                {
                    logger.LogWarning("{Platform}: {Verdict} page (attempt {Attempt}/{Max}, proxy {Proxy}); rotating identity",
                        platform, verdict, attempt, options.MaxAttemptsPerKeyword, identity.Proxy);
                    continue;
                }

                var (loaded, scrolls) = await ScrollForMoreAsync(page, ct);
                var cards = await ExtractAsync(page, ct);
                logger.LogDebug("{Platform}: {Cards} cards loaded after {Scrolls} scrolls", platform, loaded, scrolls);
                return new(keyword, url, true, cards) { Scrolls = scrolls };
            }
            finally
            {
                await context.CloseAsync();
            }
        }

        logger.LogWarning("{Platform}: keyword given up after {Max} attempts", platform, options.MaxAttemptsPerKeyword);
        return new(keyword, url, false, [], "gave_up");
    }

    private async Task<PageVerdict> VerdictAsync(IPage page, int? status, CancellationToken ct)
    {
        var s = await page.EvaluateAsync<JsonElement>(PlatformMarkup.SignalsScript, BlockDetector.CaptchaSelector).WaitAsync(ct);
        return BlockDetector.Classify(new PageSignals(status, Str(s, "title") ?? "", Str(s, "text") ?? "", s.TryGetProperty("captcha", out var c) && c.ValueKind == JsonValueKind.True));
    }

    private async Task<bool> WaitForResultsAsync(IPage page, CancellationToken ct)
    {
        try
        {
            await page.WaitForSelectorAsync($"{_markup.ResultsSelector}, {_markup.EmptySelector}, {BlockDetector.CaptchaSelector}", new PageWaitForSelectorOptions
            {
                Timeout = (float)options.ResultsTimeout.TotalMilliseconds,
                State = WaitForSelectorState.Attached,
            }).WaitAsync(ct);
            return true;
        }
        catch (PlaywrightTimeout)
        {
            return false;
        }
    }

    /// <summary>
    /// Search results load more as the reader scrolls (infinite scroll). Scrolls, at a reader's pace, until
    /// <see cref="ScrapingOptions.PostsPerKeyword"/> cards are on the page, or <see cref="ScrapingOptions.MaxScrollsWithoutGrowth"/>
    /// scrolls in a row brought none (the platform has no more, or stopped serving this identity), or
    /// <see cref="ScrapingOptions.MaxScrolls"/> is reached.
    /// </summary>
    private async Task<(int Cards, int Scrolls)> ScrollForMoreAsync(IPage page, CancellationToken ct)
    {
        // No card at all is an empty result (or the empty-results marker): there is nothing to load more of.
        var count = await CountCardsAsync(page, ct);
        if (count == 0)
        {
            return (0, 0);
        }

        var scrolls = 0;
        var withoutGrowth = 0;
        while (count < options.PostsPerKeyword && withoutGrowth < options.MaxScrollsWithoutGrowth && scrolls < options.MaxScrolls)
        {
            await RandomDelayAsync(options.ScrollMinDelay, options.ScrollMaxDelay, ct);
            await page.EvaluateAsync(PlatformMarkup.ScrollScript, _markup.ResultsSelector).WaitAsync(ct);
            scrolls++;
            try
            {
                await page.WaitForFunctionAsync(PlatformMarkup.MoreCardsScript, new object[] { _markup.ResultsSelector, count }, new PageWaitForFunctionOptions
                {
                    Timeout = (float)options.ScrollLoadTimeout.TotalMilliseconds,
                    PollingInterval = 100,
                }).WaitAsync(ct);
            }
            catch (PlaywrightTimeout)
            {
                // Nothing new within the timeout; counted below as a scroll without growth.
            }

            var now = await CountCardsAsync(page, ct);
            withoutGrowth = now > count ? 0 : withoutGrowth + 1;
            count = now;
        }

        return (count, scrolls);
    }

    private async Task<int> CountCardsAsync(IPage page, CancellationToken ct) =>
        await page.EvaluateAsync<int>(PlatformMarkup.CountCardsScript, _markup.ResultsSelector).WaitAsync(ct);

    private async Task<IReadOnlyList<ScrapedCard>> ExtractAsync(IPage page, CancellationToken ct)
    {
        var cards = await page.EvaluateAsync<JsonElement>(_markup.ExtractScript, options.PostsPerKeyword).WaitAsync(ct);
        return cards.ValueKind != JsonValueKind.Array
            ? []
            : cards.EnumerateArray().Select(c => new ScrapedCard(Str(c, "url"), Str(c, "author"), Str(c, "content"), Str(c, "engagement"), Str(c, "time"), Str(c, "html"))).ToList();
    }

    private async Task PoliteDelayAsync(CancellationToken ct)
    {
        if (Interlocked.Increment(ref _requests) == 1 || options.MaxDelay <= TimeSpan.Zero)
        {
            return;
        }

        await RandomDelayAsync(options.MinDelay, options.MaxDelay, ct);
    }

    /// <summary>A pause uniformly in [min, max]: a reader's pace, not a fixed rhythm a site can fingerprint.</summary>
    private static async Task RandomDelayAsync(TimeSpan min, TimeSpan max, CancellationToken ct)
    {
        if (max <= TimeSpan.Zero)
        {
            return;
        }

        await Task.Delay(min + ((max - min) * Random.Shared.NextDouble()), ct);
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0];

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
