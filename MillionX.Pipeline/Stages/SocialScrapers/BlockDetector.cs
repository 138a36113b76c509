namespace MillionX.Pipeline.Stages.SocialScrapers;

public enum PageVerdict
{
    Ok,

    /// <summary>The site refused us (HTTP 403/429, "Access Denied", rate-limit or login walls).</summary>
    Blocked,

    /// <summary>The site wants proof we are human (a CAPTCHA widget or challenge page).</summary>
    Captcha,
}

/// <summary>What the page looked like, as gathered in the browser.</summary>
public sealed record PageSignals(int? Status, string Title, string BodyText, bool HasCaptchaElement);

/// <summary>Pure: decides from status, title, visible text and known CAPTCHA elements whether a page is a block or a challenge.</summary>
public static class BlockDetector
{
    /// <summary>Elements of the CAPTCHA widgets TikTok (secsdk), Facebook, Google reCAPTCHA, hCaptcha and Cloudflare show.</summary>
    public const string CaptchaSelector =
        "#captcha-verify-image, #captcha_container, .captcha_verify_container, .captcha-verify-container, [id^='secsdk-captcha'], " +
        "iframe[src*='captcha'], iframe[title*='challenge' i], .g-recaptcha, .h-captcha, #cf-challenge-running, #challenge-form, " +
        "form[action*='checkpoint'] [id*='captcha'], [data-testid='captcha']";

    private static readonly string[] CaptchaPhrases =
    [
        "verify you are human", "verify that you are human", "are you a robot", "i'm not a robot", "complete the captcha",
        "drag the slider", "drag the puzzle", "security check", "verify to continue", "confirm you're human", "confirm you are human",
    ];

    private static readonly string[] BlockPhrases =
    [
        "access denied", "too many requests", "you have been blocked", "you've been blocked", "temporarily blocked",
        "unusual traffic", "rate limit", "you're temporarily blocked", "this content isn't available right now",
        "log in to continue", "log into facebook", "you must log in to continue",
    ];

    public static PageVerdict Classify(PageSignals page)
    {
        var title = page.Title.ToLowerInvariant();
        var text = page.BodyText.Length > 4000 ? page.BodyText[..4000].ToLowerInvariant() : page.BodyText.ToLowerInvariant();
        if (page.HasCaptchaElement || title.Contains("captcha", StringComparison.Ordinal)
            || CaptchaPhrases.Any(p => title.Contains(p, StringComparison.Ordinal) || text.Contains(p, StringComparison.Ordinal)))
        {
            return PageVerdict.Captcha;
        }

        if (page.Status is 403 or 429 or 451 || title.Contains("access denied", StringComparison.Ordinal) || title.Contains("blocked", StringComparison.Ordinal)
            || BlockPhrases.Any(p => text.Contains(p, StringComparison.Ordinal)))
        {
            return PageVerdict.Blocked;
        }

        return PageVerdict.Ok;
    }
}
