using System.Text.Json;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.Observability;
using MillionX.Pipeline.Sources;

namespace MillionX.Pipeline.Stages.ShopifySync;

/// <summary>
/// <c>POST /webhooks/shopify/orders-create</c> on the host's HTTP port: verifies Shopify's HMAC over the raw body,
/// drops duplicate deliveries by X-Shopify-Webhook-Id, publishes one record per line item through the shared gate and
/// answers 200 only once Kafka acknowledged them all (Shopify retries anything else).
/// </summary>
public sealed class ShopifyWebhookEndpoint(IOptions<ShopifyOptions> options, SourcePublisher publisher, ILogger<ShopifyWebhookEndpoint> logger)
    : IEndpointContributor
{
    public const string Route = "/webhooks/shopify/orders-create";

    /// <summary>Stage name on the webhook's metrics and dead letters.</summary>
    public const string StageName = "shopify-webhook";

    public const string WebhookIdHeader = "X-Shopify-Webhook-Id";
    public const string TopicHeader = "X-Shopify-Topic";
    public const string ShopDomainHeader = "X-Shopify-Shop-Domain";

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

        var shop = ctx.Request.Headers[ShopDomainHeader].ToString();
        if (shop.Length > 0 && !string.Equals(shop, o.ShopHost(), StringComparison.OrdinalIgnoreCase))
        {
            logger.LogWarning("Shopify webhook for shop {Shop} refused: this source syncs {Expected}", shop, o.ShopHost());
            await AnswerAsync(ctx, StatusCodes.Status403Forbidden, "not this shop");
            return;
        }

        var topic = ctx.Request.Headers[TopicHeader].ToString();
        if (topic.Length > 0 && !OrderTopics.Contains(topic))
        {
            await AnswerAsync(ctx, StatusCodes.Status400BadRequest, $"topic {topic} does not carry an order");
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
