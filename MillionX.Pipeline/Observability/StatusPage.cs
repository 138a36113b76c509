using System.Text.Json;
using MillionX.Pipeline.Embedding;
using MillionX.Pipeline.VectorStore;

namespace MillionX.Pipeline.Observability;

/// <summary>
/// The status page on the host's HTTP port: <c>/status</c> (HTML), <c>/status.js</c>, <c>/status.json</c> (stages,
/// lag, dead letters with masked examples, recent warnings and errors) and <c>/search?q=</c> over the vector store
/// when this process has one. The page builds the DOM with <c>textContent</c> only and is served with a strict
/// Content-Security-Policy (no inline script, nothing from other origins): dead-letter text is hostile input.
/// </summary>
public sealed class StatusEndpoints(StatusReporter reporter, IServiceProvider services, ILogger<StatusEndpoints> logger) : IEndpointContributor
{
    public const int MaxQueryChars = 500;

    public void Map(WebApplication app)
    {
        app.MapGet("/", () => Results.Redirect("/status"));
        app.MapGet("/status", (HttpContext ctx) => Static(ctx, StatusAssets.Html, "text/html; charset=utf-8"));
        app.MapGet("/favicon.ico", () => Results.NoContent());
        app.MapGet("/status.js", (HttpContext ctx) => Static(ctx, StatusAssets.Script, "text/javascript; charset=utf-8"));
        app.MapGet("/status.json", (HttpContext ctx) =>
        {
            NoStore(ctx);
            return Results.Text(JsonSerializer.Serialize(reporter.Build(), StatusJson.Default.StatusReport), "application/json");
        });
        app.MapGet("/search", SearchAsync);
    }

    private async Task<IResult> SearchAsync(HttpContext ctx, string? q, int? top, string? platform, CancellationToken ct)
    {
        NoStore(ctx);
        var query = (q ?? "").Trim();
        if (!SearchAvailable(services))
        {
            return Json(new SearchResponse(false, query, null, "Search is unavailable: this process runs no embedding stage (no vector store or model).", []), 503);
        }

        // The embedding stage's own store and model (built on first use), the ones the `search` command builds.
        var store = services.GetRequiredService<IVectorStore>();
        var embedder = services.GetRequiredService<ITextEmbedder>();
        if (query.Length is 0 or > MaxQueryChars)
        {
            return Json(new SearchResponse(true, query, store.Name, $"Type a query of 1 to {MaxQueryChars} characters.", []), 400);
        }

        platform = string.IsNullOrWhiteSpace(platform) ? null : platform.Trim().ToLowerInvariant();
        if (platform is not null and not ("tiktok" or "facebook"))
        {
            return Json(new SearchResponse(true, query, store.Name, "platform must be tiktok or facebook.", []), 400);
        }

        try
        {
            var vector = embedder.Embed([query])[0];
            var hits = await store.SearchAsync(vector, Math.Clamp(top ?? 10, 1, 50), platform, ct);
            return Json(new SearchResponse(true, query, store.Name, null, hits), 200);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("Status page search failed: {Error}", ex.Message);
            return Json(new SearchResponse(true, query, store.Name, "The search failed; see the recent errors.", []), 502);
        }
    }

    /// <summary>Search needs the vector store and the model, which only a host with the embedding stage registers.</summary>
    public static bool SearchAvailable(IServiceProvider services) =>
        services.GetService<IServiceProviderIsService>() is { } check && check.IsService(typeof(IVectorStore)) && check.IsService(typeof(ITextEmbedder));

    private static IResult Json(SearchResponse response, int status) =>
        Results.Text(JsonSerializer.Serialize(response, StatusJson.Default.SearchResponse), "application/json", statusCode: status);

    private static IResult Static(HttpContext ctx, string body, string contentType)
    {
        var h = ctx.Response.Headers;
        h.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        h.XContentTypeOptions = "nosniff";
        h["Referrer-Policy"] = "no-referrer";
        NoStore(ctx);
        return Results.Text(body, contentType);
    }

    private static void NoStore(HttpContext ctx)
    {
        ctx.Response.Headers.CacheControl = "no-store";
        ctx.Response.Headers.XContentTypeOptions = "nosniff";
    }
}
