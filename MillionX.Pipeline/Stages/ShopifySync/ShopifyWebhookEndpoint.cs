namespace MillionX.Pipeline.Stages.ShopifySync;

/// <summary>
/// <c>POST /webhooks/shopify/orders-create</c> on the host's HTTP port: verifies Shopify's HMAC over the raw body,
/// requires the shop-domain (this shop), topic (an order topic) and triggered-at headers, ignores stale deliveries,
/// drops duplicate deliveries by X-Shopify-Webhook-Id, publishes one record per line item through the shared gate and
/// answers 200 only once Kafka acknowledged them all (Shopify retries anything else).
/// </summary>
public sealed class ShopifyWebhookEndpoint(IOptions<ShopifyOptions> options, SourcePublisher publisher, ILogger<ShopifyWebhookEndpoint> logger, TimeProvider? clock = null)
    : IEndpointContributor
{
    public const string Route = "/webhooks/shopify/orders-create";

    /// <summary>Stage name on the webhook's metrics and dead letters.</summary>
    public const string StageName = "shopify-webhook";

    public const string WebhookIdHeader = "X-Shopify-Webhook-Id";
    public const string TopicHeader = "X-Shopify-Topic";
    public const string ShopDomainHeader = "X-Shopify-Shop-Domain";

    /// <summary>When Shopify fired the event (ISO 8601, up to nanoseconds); retries carry the original time.</summary>
    public const string TriggeredAtHeader = "X-Shopify-Triggered-At";

    // Topics whose payload is the full REST order.
    private static readonly HashSet<string> OrderTopics = new(StringComparer.OrdinalIgnoreCase)
    {
        "orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled", "orders/partially_fulfilled",
    };

    private readonly WebhookDeduplicator _seen = new(options.Value.WebhookDedupCapacity);

    public string? OwnUrls => options.Value.WebhookUrls;

    public void Map(WebApplication app)
    {
        if (string.IsNullOrEmpty(options.Value.WebhookSecret))
        {
            logger.LogWarning("{Section}:WebhookSecret is not set: the Shopify webhook route {Route} is off (polling only)", ShopifyOptions.Section, Route);
            return;
        }

        app.MapPost(Route, (RequestDelegate)HandleAsync);
        logger.LogInformation("Shopify orders webhook on POST {Route}", Route);
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var o = options.Value;
        var ct = ctx.RequestAborted;
        var body = await ReadBodyAsync(ctx.Request, o.MaxWebhookBytes, ct);
        if (body is null)
        {
            await AnswerAsync(ctx, StatusCodes.Status413PayloadTooLarge, $"body over {o.MaxWebhookBytes} bytes");
            return;
        }

        if (!ShopifyWebhookSignature.Verify(body, o.WebhookSecret, ctx.Request.Headers[ShopifyWebhookSignature.Header]))
        {
            logger.LogWarning("Shopify webhook rejected: missing or wrong {Header} ({Bytes} bytes from {Remote})",
                ShopifyWebhookSignature.Header, body.Length, ctx.Connection.RemoteIpAddress);
            await AnswerAsync(ctx, StatusCodes.Status401Unauthorized, "invalid signature");
            return;
        }

        // Shopify sends all three with every delivery; a request without them did not come from Shopify's webhook service.
        var shop = ctx.Request.Headers[ShopDomainHeader].ToString();
        var topic = ctx.Request.Headers[TopicHeader].ToString();
        var triggered = ctx.Request.Headers[TriggeredAtHeader].ToString();
        if (shop.Length == 0 || topic.Length == 0 || triggered.Length == 0)
        {
            await AnswerAsync(ctx, StatusCodes.Status400BadRequest, $"{ShopDomainHeader}, {TopicHeader} and {TriggeredAtHeader} are required");
            return;
        }

        if (!string.Equals(shop, o.ShopHost(), StringComparison.OrdinalIgnoreCase))
        {
            logger.LogWarning("Shopify webhook for shop {Shop} refused: this source syncs {Expected}", shop, o.ShopHost());
            await AnswerAsync(ctx, StatusCodes.Status403Forbidden, "not this shop");
            return;
        }

        if (!OrderTopics.Contains(topic))
        {
            await AnswerAsync(ctx, StatusCodes.Status400BadRequest, $"topic {topic} does not carry an order");
            return;
        }

        if (ParseTriggeredAt(triggered) is not { } triggeredAt)
        {
            await AnswerAsync(ctx, StatusCodes.Status400BadRequest, $"{TriggeredAtHeader} is not an ISO 8601 time");
            return;
        }

        if (Staleness(body, triggeredAt, (clock ?? TimeProvider.System).GetUtcNow(), o.WebhookMaxAge) is { } stale)
        {
            // Acknowledged so Shopify stops retrying, and dropped: the poll reads every order updated since its last run,
            // so a late delivery loses nothing, and a replayed old body (the signature does not expire) changes nothing.
            logger.LogWarning("Shopify webhook ignored as stale: {Reason} (window {Window})", stale, o.WebhookMaxAge);
            await AnswerAsync(ctx, StatusCodes.Status200OK, "stale, ignored: " + stale);
            return;
        }

        var id = ctx.Request.Headers[WebhookIdHeader].ToString();
        var claim = id.Length > 0 ? _seen.Begin(id) : null;
        if (claim is { First: false })
        {
            var firstProduced = await WaitQuietlyAsync(claim.Outcome, o.WebhookAckTimeout, ct);
            await AnswerAsync(ctx, firstProduced ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable,
                firstProduced ? "duplicate, already produced" : "first delivery not yet produced");
            return;
        }

        var produced = false;
        try
        {
            produced = await PublishAsync(body, id, o, ct);
        }
        finally
        {
            if (claim is not null)
            {
                _seen.Complete(claim, produced);
            }
        }

        await AnswerAsync(ctx, produced ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, produced ? "ok" : "not acknowledged by Kafka");
    }

    private async Task<bool> PublishAsync(byte[] body, string webhookId, ShopifyOptions o, CancellationToken ct)
    {
        IReadOnlyList<byte[]> records;
        try
        {
            using var doc = JsonDocument.Parse(body);
            records = doc.RootElement.ValueKind == JsonValueKind.Object
                ? ShopifyOrderMapper.ToRecords(ShopifyOrderMapper.FromRest(doc.RootElement), o.MerchantIdOrShop())
                : [body];
        }
        catch (JsonException)
        {
            // Signed by Shopify yet not an order: the gate dead-letters the body with its reason, so it is kept, not retried forever.
            records = [body];
        }

        var origin = webhookId.Length > 0 ? $"{StageName}:{webhookId}" : StageName;
        var pending = new List<Task<PublishOutcome>>(records.Count);
        foreach (var raw in records)
        {
            var done = new TaskCompletionSource<PublishOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            publisher.Publish(StageName, SourceKind.Shopify, raw, origin, done.SetResult);
            pending.Add(done.Task);
        }

        try
        {
            var outcomes = await Task.WhenAll(pending).WaitAsync(o.WebhookAckTimeout, ct);
            var failed = outcomes.Count(x => !x.Delivered);
            if (failed > 0)
            {
                logger.LogError("Shopify webhook {Id}: {Failed} of {Count} records not acknowledged by Kafka; answering 503 so Shopify retries",
                    webhookId, failed, outcomes.Length);
            }

            return failed == 0;
        }
        catch (TimeoutException)
        {
            logger.LogError("Shopify webhook {Id}: Kafka did not acknowledge within {Timeout}; answering 503 so Shopify retries", webhookId, o.WebhookAckTimeout);
            return false;
        }
    }

    /// <summary>
    /// Why a delivery is stale, or null: fired more than <paramref name="window"/> away from now, or carrying an order
    /// last updated before that. The triggered-at header is not signed; the body's <c>updated_at</c> is, so a replay of
    /// an old signed body is caught even with a fresh header.
    /// </summary>
    public static string? Staleness(ReadOnlySpan<byte> body, DateTimeOffset triggeredAt, DateTimeOffset now, TimeSpan window)
    {
        if ((now - triggeredAt).Duration() > window)
        {
            return $"triggered at {triggeredAt:O}, now {now:O}";
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && ShopifyOrderMapper.FromRest(doc.RootElement).UpdatedAt is { } updated
                && now - updated > window)
            {
                return $"order updated at {updated:O}, now {now:O}";
            }
        }
        catch (JsonException)
        {
            // Not JSON: not stale, the gate dead-letters it with its reason.
        }

        return null;
    }

    /// <summary>Shopify's <c>2026-11-24T10:00:27.877041743Z</c>: ISO 8601 with up to nine fraction digits (.NET reads seven).</summary>
    public static DateTimeOffset? ParseTriggeredAt(string value)
    {
        var s = value.Trim();
        var dot = s.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < s.Length && char.IsAsciiDigit(s[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                s = s[..(dot + 8)] + s[end..];
            }
        }

        return DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var t)
            && (s.EndsWith('Z') || s.EndsWith('z') || s.LastIndexOfAny(['+', '-']) > s.IndexOf('T', StringComparison.Ordinal))
            ? t
            : null;
    }

    private static async Task<bool> WaitQuietlyAsync(Task<bool> outcome, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            return await outcome.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>The raw body, or null when it is larger than <paramref name="limit"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static async Task AnswerAsync(HttpContext ctx, int status, string message)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain";
        await ctx.Response.WriteAsync(message, ctx.RequestAborted);
    }
}
