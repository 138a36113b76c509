using Microsoft.Playwright;

namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>
/// A pluggable CAPTCHA solver. <c>Scraping:Captcha:Provider</c> picks <see cref="NoCaptchaSolver"/> (none) or
/// <see cref="ServiceCaptchaSolver"/> (2captcha, anticaptcha); a solver registered before the scrapers replaces both.
/// </summary>
public interface ICaptchaSolver
{
    /// <summary>Tries to clear the challenge on <paramref name="page"/>; true when the page should now show results.</summary>
    Task<bool> TrySolveAsync(SocialPlatform platform, IPage page, CancellationToken ct);
}

/// <summary>The default: solves nothing, so a challenge makes the scraper rotate identity instead.</summary>
public sealed class NoCaptchaSolver : ICaptchaSolver
{
    public Task<bool> TrySolveAsync(SocialPlatform platform, IPage page, CancellationToken ct) => Task.FromResult(false);
}
