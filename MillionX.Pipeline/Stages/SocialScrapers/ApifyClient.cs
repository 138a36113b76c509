using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>
/// The Apify fallback: reads the items a managed TikTok/Facebook scraper actor already collected, from a dataset
/// (<c>GET /v2/datasets/{id}/items</c>) or from the actor's last run (<c>GET /v2/acts/{actorId}/runs/last/dataset/items</c>),
/// with <c>format=json&amp;clean=true</c> and the token as <c>Authorization: Bearer</c> (never in the URL or logs).
/// </summary>
public sealed class ApifyClient(IHttpClientFactory http, IOptions<ScrapingOptions> options)
{
    public const string HttpClientName = "apify";

    public async Task<IReadOnlyList<ScrapedCard>> FetchAsync(SocialPlatform platform, CancellationToken ct)
    {
        var o = options.Value.Apify;
        var (actor, dataset) = platform == SocialPlatform.TikTok ? (o.TikTokActorId, o.TikTokDatasetId) : (o.FacebookActorId, o.FacebookDatasetId);
        var path = dataset.Length > 0
            ? $"/v2/datasets/{Uri.EscapeDataString(dataset)}/items"
            : $"/v2/acts/{Uri.EscapeDataString(actor)}/runs/last/dataset/items";
        var url = $"{o.BaseUrl.TrimEnd('/')}{path}?format=json&clean=true&limit={o.MaxItems.ToString(CultureInfo.InvariantCulture)}";
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", o.Token);
        using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var doc = await JsonDocument.ParseAsync(body, cancellationToken: ct);
        return doc.RootElement.ValueKind != JsonValueKind.Array
            ? throw new InvalidDataException("Apify dataset items: expected a JSON array")
            : doc.RootElement.EnumerateArray().Select(i => ToCard(platform, i)).ToList();
    }

    /// <summary>
    /// Pure: maps an item of the common actors (clockworks/tiktok-scraper: <c>id, text, authorMeta.name, diggCount,
    /// createTimeISO, webVideoUrl</c>; apify/facebook-posts-scraper: <c>postId, text, user.name/pageName, likes, time, url</c>).
    /// </summary>
    public static ScrapedCard ToCard(SocialPlatform platform, JsonElement item)
    {
        var raw = item.GetRawText();
        var html = raw.Length > SocialPostMapper.MaxHtmlSnippet ? raw[..SocialPostMapper.MaxHtmlSnippet] : raw;
        return platform == SocialPlatform.TikTok
            ? new ScrapedCard(
                Str(item, "webVideoUrl") ?? Str(item, "url"),
                Str(item, "authorMeta", "name") ?? Str(item, "authorMeta", "nickName") ?? Str(item, "author"),
                Str(item, "text") ?? Str(item, "desc"),
                Num(item, "diggCount") ?? Num(item, "playCount"),
                Str(item, "createTimeISO") ?? Num(item, "createTime"),
                html) { PostId = Id(Str(item, "id") ?? Num(item, "id")) }
            : new ScrapedCard(
                Str(item, "url") ?? Str(item, "postUrl") ?? Str(item, "topLevelUrl"),
                Str(item, "user", "name") ?? Str(item, "pageName") ?? Str(item, "authorName"),
                Str(item, "text") ?? Str(item, "postText"),
                Num(item, "likes") ?? Num(item, "reactionsCount") ?? Num(item, "topReactionsCount"),
                Str(item, "time") ?? Num(item, "timestamp"),
                html) { PostId = Id(Str(item, "postId") ?? Num(item, "postId")) };
    }

    // Only ids that look like the platform's own (digits or pfbid...), as the scrapers would take from a URL.
    private static string? Id(string? s) => s is not null && (s.All(char.IsAsciiDigit) || s.StartsWith("pfbid", StringComparison.Ordinal)) && s.Length is >= 5 and <= 64 ? s : null;

    private static string? Str(JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e))
            {
                return null;
            }
        }

        return e.ValueKind == JsonValueKind.String ? e.GetString() : null;
    }

    private static string? Num(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)
            ? n.ToString(CultureInfo.InvariantCulture)
            : null;
}
