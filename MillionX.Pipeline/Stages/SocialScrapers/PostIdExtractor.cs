using System.Text.RegularExpressions;

namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>
/// Pure: the platform's own post id from a post URL. Never derived from a timestamp or position: a post whose URL
/// carries no id gets none (and is dead-lettered), so replays never mint duplicates.
/// </summary>
public static partial class PostIdExtractor
{
    [GeneratedRegex(@"/@[^/?#]+/(?:video|photo)/(\d{6,25})(?:[/?#]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex TikTokVideo();

    [GeneratedRegex(@"^/(?:v|video|embed/v2)/(\d{6,25})(?:[/?#.]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex TikTokShort();

    [GeneratedRegex(@"/(?:posts|permalink|videos|reel|reels)/(pfbid[0-9A-Za-z]{10,}|\d{5,25})(?:[/?#]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex FacebookPath();

    [GeneratedRegex(@"[?&](?:story_fbid|fbid|v)=(pfbid[0-9A-Za-z]{10,}|\d{5,25})(?:&|#|$)", RegexOptions.CultureInvariant)]
    private static partial Regex FacebookQuery();

    public static string? TikTok(string? url) => FirstMatch(url, TikTokVideo(), TikTokShort());

    public static string? Facebook(string? url) => FirstMatch(url, FacebookPath(), FacebookQuery());

    public static string? For(SocialPlatform platform, string? url) => platform == SocialPlatform.TikTok ? TikTok(url) : Facebook(url);

    /// <summary>The id the first pattern finds in the URL's path and query, else the one the fallback finds.</summary>
    private static string? FirstMatch(string? url, Regex pattern, Regex fallback)
    {
        var path = PathAndQuery(url);
        if (path is null)
        {
            return null;
        }

        var m = pattern.Match(path);
        if (!m.Success)
        {
            m = fallback.Match(path);
        }

        return m.Success ? m.Groups[1].Value : null;
    }

    private static string? PathAndQuery(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        if (Uri.TryCreate(url.Trim(), UriKind.Absolute, out var abs) && abs.Scheme is "http" or "https")
        {
            return abs.AbsolutePath + abs.Query;
        }

        return url.StartsWith('/') ? url.Trim() : null;
    }
}
