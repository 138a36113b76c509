namespace MillionX.Pipeline.Stages.SocialScrapers;

public enum SocialPlatform
{
    TikTok,
    Facebook,
}

public static class SocialPlatforms
{
    public static SourceKind Kind(this SocialPlatform p) => p == SocialPlatform.TikTok ? SourceKind.Tiktok : SourceKind.Facebook;

    /// <summary>The contract's platform value and the metrics label.</summary>
    public static string Label(this SocialPlatform p) => p.Kind().Name();
}

/// <summary>What the page showed for one post, as text (counts unparsed); <see cref="Html"/> is the card's markup, bounded.</summary>
public sealed record ScrapedCard(string? Url, string? Author, string? Content, string? Engagement, string? Time, string? Html)
{
    /// <summary>An id the source states outright (Apify items); otherwise it comes from <see cref="Url"/>.</summary>
    public string? PostId { get; init; }
}

/// <summary>Pure: turns a scraped card into the raw SocialPost JSON the source gate validates.</summary>
public static class SocialPostMapper
{
    /// <summary>Bound on the HTML kept beside a record (in its origin) for diagnosing dead letters.</summary>
    public const int MaxHtmlSnippet = 512;

    /// <summary>
    /// Missing values are left out rather than invented (no id from a timestamp, no zero for an unreadable count), so the
    /// gate dead-letters such posts with the reason. A post without a time shown gets <paramref name="now"/>.
    /// The search <paramref name="keyword"/> the post was found with leads its hashtags (as the plan keeps it);
    /// product mentions use <paramref name="productGroups"/>, the configured keyword groups (default: the built-in ones).
    /// </summary>
    public static byte[] ToRaw(SocialPlatform platform, ScrapedCard card, DateTimeOffset now, string? keyword = null,
        IReadOnlyDictionary<string, string[]>? productGroups = null)
    {
        var content = Clean(card.Content);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("platform", platform.Label());
            if ((PostIdExtractor.For(platform, card.Url) ?? card.PostId) is { Length: > 0 } id)
            {
                w.WriteString("post_id", id);
            }

            if (Clean(card.Author)?.TrimStart('@') is { Length: > 0 } author)
            {
                w.WriteString("author_username", author);
            }

            if (content is not null)
            {
                w.WriteString("content", content);
            }

            if (EngagementParser.Parse(card.Engagement) is { } engagement)
            {
                w.WriteNumber("engagement_count", engagement);
            }

            w.WriteString("timestamp", ParseTime(card.Time) ?? now);
            w.WriteStartArray("hashtags");
            foreach (var h in PostText.HashtagsWithKeyword(keyword, content))
            {
                w.WriteStringValue(h);
            }

            w.WriteEndArray();
            w.WriteStartArray("product_mentions");
            foreach (var p in content is null ? [] : PostText.ProductMentions(content, productGroups))
            {
                w.WriteStringValue(p);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return ms.ToArray();
    }

    /// <summary>The record's origin: platform, keyword and page (no personal data: it stays readable in dead letters).</summary>
    public static string Origin(SocialPlatform platform, string keyword, string pageUrl) => $"{platform.Label()}:{keyword}:{pageUrl}";

    /// <summary>The start of the card's HTML, for diagnosing a dead letter; it can hold usernames, so it travels encrypted.</summary>
    public static string? Snippet(string? html) => html is null ? null : html.Length > MaxHtmlSnippet ? html[..MaxHtmlSnippet] : html;

    /// <summary>ISO 8601, or Unix seconds (Facebook's <c>data-utime</c>, TikTok's create time).</summary>
    public static DateTimeOffset? ParseTime(string? s)
    {
        if (string.IsNullOrWhiteSpace(s))
        {
            return null;
        }

        s = s.Trim();
        if (long.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var unix))
        {
            return unix is > 946_684_800 and < 4_102_444_800 ? DateTimeOffset.FromUnixTimeSeconds(unix) : null;
        }

        return DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : null;
    }

    private static string? Clean(string? s)
    {
        if (s is null)
        {
            return null;
        }

        s = string.Join(' ', s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return s.Length == 0 ? null : s;
    }
}
