using System.Security.Cryptography;

namespace MillionX.Pipeline.Observability;

/// <summary>
/// The status page on the host's HTTP port: <c>/status</c> (HTML), <c>/status.js</c>, <c>/status.json</c> (stages,
/// lag, dead letters with masked examples, recent warnings and errors) and <c>/search?q=</c> over the vector store
/// when this process has one. The page builds the DOM with <c>textContent</c> only and is served with a strict
/// Content-Security-Policy (no inline script, nothing from other origins): dead-letter text is hostile input.
/// With <c>Observability:Http:AccessToken</c> set, every route here needs the token (bearer header or the cookie that
/// <c>/status?token=</c> sets). Searches are limited in length and in number at once, and run on a model session of
/// their own, not the embedding stage's.
/// </summary>
public sealed class StatusEndpoints(StatusReporter reporter, IServiceProvider services, IOptions<ObservabilityOptions> options, ILogger<StatusEndpoints> logger)
    : IEndpointContributor
{
    public const int MaxQueryChars = 500;

    /// <summary>The cookie a browser keeps the access token in (HttpOnly, SameSite=Strict).</summary>
    public const string TokenCookie = "millionx_token";

    private readonly SemaphoreSlim _searches = new(options.Value.Http.SearchConcurrency, options.Value.Http.SearchConcurrency);
    private readonly byte[]? _tokenHash = string.IsNullOrEmpty(options.Value.Http.AccessToken) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.Http.AccessToken));

    public void Map(WebApplication app)
    {
        var routes = app.MapGroup("").AddEndpointFilter(async (context, next) =>
            Authorised(context.HttpContext) is { } refusal ? refusal : await next(context));
        routes.MapGet("/", () => Results.Redirect("/status"));
        routes.MapGet("/status", (HttpContext ctx) => Static(ctx, StatusAssets.Html, "text/html; charset=utf-8"));
        routes.MapGet("/favicon.ico", () => Results.NoContent());
        routes.MapGet("/status.js", (HttpContext ctx) => Static(ctx, StatusAssets.Script, "text/javascript; charset=utf-8"));
        routes.MapGet("/status.json", (HttpContext ctx) =>
        {
            NoStore(ctx);
            return Results.Text(JsonSerializer.Serialize(reporter.Build(), StatusJson.Default.StatusReport), "application/json");
        });
        routes.MapGet("/search", SearchAsync);
    }

    /// <summary>Null when the request may go on; otherwise the answer. A valid <c>?token=</c> becomes a cookie and a redirect.</summary>
    private IResult? Authorised(HttpContext ctx)
    {
        if (_tokenHash is null)
        {
            return null;
        }

        NoStore(ctx);
        var request = ctx.Request;
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && Matches(header["Bearer ".Length..].Trim()))
        {
            return null;
        }

        if (request.Cookies.TryGetValue(TokenCookie, out var cookie) && Matches(cookie))
        {
            return null;
        }

        if (request.Query.TryGetValue("token", out var query) && Matches(query.ToString()))
        {
            // Kept in an HttpOnly cookie and taken out of the address bar, history and Referer.
            ctx.Response.Cookies.Append(TokenCookie, query.ToString(), new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = request.IsHttps,
                Path = "/",
            });
            var rest = string.Join('&', request.Query.Where(kv => kv.Key != "token").Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value.ToString())}"));
            return Results.Redirect(request.Path + (rest.Length > 0 ? "?" + rest : ""));
        }

        ctx.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Text("An access token is required (Authorization: Bearer, or open /status?token=...).", "text/plain", statusCode: 401);
    }

    private bool Matches(string candidate) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate)), _tokenHash);

    private async Task<IResult> SearchAsync(HttpContext ctx, string? q, int? top, string? platform, CancellationToken ct)
    {
        NoStore(ctx);
        var query = (q ?? "").Trim();
        if (!SearchAvailable(services))
        {
            return Json(new SearchResponse(false, query, null, "Search is unavailable: this process runs no embedding stage (no vector store or model).", []), 503);
        }

        // The embedding stage's store; the model on a session of its own (built on first use).
        var store = services.GetRequiredService<IVectorStore>();
        if (query.Length is 0 or > MaxQueryChars)
        {
            return Json(new SearchResponse(true, query, store.Name, $"Type a query of 1 to {MaxQueryChars} characters.", []), 400);
        }

        if (!await _searches.WaitAsync(0, ct))
        {
            ctx.Response.Headers.RetryAfter = "1";
            return Json(new SearchResponse(true, query, store.Name, $"{options.Value.Http.SearchConcurrency} searches are running; try again in a moment.", []), 429);
        }

        try
        {
            return await RunSearchAsync(store, query, top, platform, ct);
        }
        finally
        {
            _searches.Release();
        }
    }

    private async Task<IResult> RunSearchAsync(IVectorStore store, string query, int? top, string? platform, CancellationToken ct)
    {
        var embedder = services.GetKeyedService<ITextEmbedder>(EmbeddingRegistration.SearchEmbedderKey) ?? services.GetRequiredService<ITextEmbedder>();

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
