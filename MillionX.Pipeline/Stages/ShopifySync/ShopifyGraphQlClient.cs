using System.Buffers;
using System.Net;
using System.Net.Http.Headers;

namespace MillionX.Pipeline.Stages.ShopifySync;

/// <summary>One page of orders, oldest update first.</summary>
public sealed record ShopifyOrdersPage(IReadOnlyList<ShopifyOrder> Orders, bool HasNextPage, string? EndCursor);

/// <summary>The rest of an order's line items.</summary>
public sealed record ShopifyLineItemsPage(IReadOnlyList<ShopifyLineItem> LineItems, bool HasNextPage, string? EndCursor);

/// <summary>Shopify refused the credentials (401/403) or the shop (402/404/423): retrying will not help until someone acts.</summary>
public sealed class ShopifyAccessException(string message) : Exception(message);

/// <summary>A GraphQL error other than throttling (bad query, access denied to a field, cost too high).</summary>
public sealed class ShopifyGraphQlException(string message) : Exception(message);

/// <summary>One of this app's orders/create webhook subscriptions: its id and destination.</summary>
public sealed record ShopifyWebhookSubscription(string Id, string? Url);

/// <summary>Shopify refused to create the webhook subscription (its userErrors): a setting is wrong; retrying will not help.</summary>
public sealed class ShopifyWebhookSubscriptionException(string message) : Exception(message);

/// <summary>
/// The GraphQL Admin API over the resilient "shopify" HttpClient (retries 429/5xx/timeouts, circuit breaker). On top of
/// that it respects the cost bucket: it waits before a query the bucket cannot pay for, and on THROTTLED waits for the
/// refill and repeats the same request.
/// </summary>
public sealed class ShopifyGraphQlClient(
    IHttpClientFactory httpClients,
    IOptions<ShopifyOptions> options,
    TimeProvider clock,
    ILogger<ShopifyGraphQlClient> logger)
{
    public const string HttpClientName = "shopify";

    private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(2);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, double> _requestedCost = new(StringComparer.Ordinal);
    private (double Available, double RestoreRate, long At)? _bucket;

    public async Task<ShopifyOrdersPage> OrdersAsync(string search, string? after, CancellationToken ct)
    {
        var o = options.Value;
        using var doc = await ExecuteAsync("Orders", ShopifyQueries.Orders, ShopifyQueries.OrdersPageCost(o.PageSize, o.LineItemsPerOrder), w =>
        {
            w.WriteNumber("first", o.PageSize);
            WriteNullable(w, "after", after);
            w.WriteString("query", search);
            w.WriteNumber("lines", o.LineItemsPerOrder);
        }, ct);
        var connection = Data(doc, "orders");
        var (hasNext, cursor) = ShopifyOrderMapper.PageInfo(connection);
        var orders = connection.TryGetProperty("edges", out var edges) && edges.ValueKind == JsonValueKind.Array
            ? edges.EnumerateArray().Where(e => e.TryGetProperty("node", out var n) && n.ValueKind == JsonValueKind.Object)
                .Select(e => ShopifyOrderMapper.FromGraphQl(e.GetProperty("node"))).ToList()
            : [];
        return new ShopifyOrdersPage(orders, hasNext, cursor);
    }

    public async Task<ShopifyLineItemsPage> LineItemsAsync(string orderGid, string? after, CancellationToken ct)
    {
        using var doc = await ExecuteAsync("OrderLineItems", ShopifyQueries.OrderLineItems, ShopifyQueries.LineItemsCost(ShopifyQueries.LineItemsPerFollowUp), w =>
        {
            w.WriteString("id", orderGid);
            w.WriteNumber("lines", ShopifyQueries.LineItemsPerFollowUp);
            WriteNullable(w, "after", after);
        }, ct);
        var order = Data(doc, "order");
        if (!order.TryGetProperty("lineItems", out var connection) || connection.ValueKind != JsonValueKind.Object)
        {
            throw new ShopifyGraphQlException($"Shopify returned no lineItems for {orderGid}.");
        }

        var (hasNext, cursor) = ShopifyOrderMapper.PageInfo(connection);
        return new ShopifyLineItemsPage(ShopifyOrderMapper.LineItemsFromGraphQl(connection).ToList(), hasNext, cursor);
    }

    /// <summary>This app's orders/create subscriptions on the shop (the first <see cref="ShopifyQueries.WebhookSubscriptionsPerPage"/>).</summary>
    public async Task<IReadOnlyList<ShopifyWebhookSubscription>> OrdersCreateWebhooksAsync(CancellationToken ct)
    {
        var field = ShopifyQueries.WebhookUrlField(options.Value.ApiVersion);
        var first = ShopifyQueries.WebhookSubscriptionsPerPage;
        using var doc = await ExecuteAsync("OrdersCreateWebhooks", ShopifyQueries.OrdersCreateWebhooks(field), ShopifyQueries.WebhookSubscriptionsCost(first),
            w => w.WriteNumber("first", first), ct);
        var connection = Data(doc, "webhookSubscriptions");
        return connection.TryGetProperty("nodes", out var nodes) && nodes.ValueKind == JsonValueKind.Array
            ? nodes.EnumerateArray().Where(n => n.ValueKind == JsonValueKind.Object && n.TryGetProperty("id", out _))
                .Select(n => new ShopifyWebhookSubscription(n.GetProperty("id").GetString() ?? "", n.TryGetProperty(field, out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null))
                .ToList()
            : [];
    }

    /// <summary>Creates an orders/create subscription (JSON) to <paramref name="callbackUrl"/>; Shopify's userErrors become a <see cref="ShopifyWebhookSubscriptionException"/>.</summary>
    public async Task<ShopifyWebhookSubscription> CreateOrdersCreateWebhookAsync(string callbackUrl, CancellationToken ct)
    {
        var field = ShopifyQueries.WebhookUrlField(options.Value.ApiVersion);
        using var doc = await ExecuteAsync("OrdersCreateWebhookCreate", ShopifyQueries.OrdersCreateWebhookCreate(field), ShopifyQueries.MutationCost, w =>
        {
            w.WriteStartObject("webhookSubscription");
            w.WriteString(field, callbackUrl);
            w.WriteString("format", "JSON");
            w.WriteEndObject();
        }, ct);
        var payload = Data(doc, "webhookSubscriptionCreate");
        var userErrors = payload.TryGetProperty("userErrors", out var ue) && ue.ValueKind == JsonValueKind.Array
            ? ue.EnumerateArray().Select(UserError).ToList()
            : [];
        if (userErrors.Count > 0)
        {
            throw new ShopifyWebhookSubscriptionException(
                $"Shopify refused the orders/create webhook subscription to {callbackUrl}: {string.Join("; ", userErrors)}. " +
                $"Check {ShopifyOptions.Section}:Webhook:CallbackUrl.");
        }

        if (!payload.TryGetProperty("webhookSubscription", out var created) || created.ValueKind != JsonValueKind.Object
            || !created.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
        {
            throw new ShopifyGraphQlException("Shopify's webhookSubscriptionCreate answer has neither a webhookSubscription nor userErrors.");
        }

        return new ShopifyWebhookSubscription(id.GetString()!, created.TryGetProperty(field, out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : callbackUrl);
    }

    /// <summary>"webhookSubscription.callbackUrl: Address is invalid" from a userError's field path and message.</summary>
    private static string UserError(JsonElement e)
    {
        var message = e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : e.GetRawText();
        var path = e.TryGetProperty("field", out var f) && f.ValueKind == JsonValueKind.Array
            ? string.Join('.', f.EnumerateArray().Select(p => p.ToString()))
            : "";
        return path.Length > 0 ? $"{path}: {message}" : message ?? "";
    }

    private static JsonElement Data(JsonDocument doc, string field) =>
        doc.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
        && data.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : throw new ShopifyGraphQlException($"Shopify's answer has no data.{field}.");

    private async Task<JsonDocument> ExecuteAsync(string operation, string query, int estimatedCost, Action<Utf8JsonWriter> variables, CancellationToken ct)
    {
        var o = options.Value;
        var body = Body(query, variables);
        for (var throttled = 0; ; throttled++)
        {
            await PaceAsync(operation, estimatedCost, ct);
            var doc = await PostAsync(o, body, ct);
            var cost = ReadCost(doc);
            if (cost is { } c)
            {
                lock (_lock)
                {
                    _requestedCost[operation] = c.Requested;
                    _bucket = (c.Available, c.RestoreRate, clock.GetTimestamp());
                }
            }

            var errors = Errors(doc);
            if (errors.Count == 0)
            {
                return doc;
            }

            doc.Dispose();
            if (!errors.All(e => e.Code == "THROTTLED"))
            {
                throw new ShopifyGraphQlException($"Shopify GraphQL {operation} failed: " + string.Join("; ", errors.Select(e => e.Code is null ? e.Message : $"{e.Code}: {e.Message}")));
            }

            if (throttled >= o.MaxThrottleRetries)
            {
                throw new HttpRequestException($"Shopify kept throttling {operation} ({throttled + 1} THROTTLED answers); giving up until the next run.");
            }

            // THROTTLED: the query did not run. The next PaceAsync waits until the bucket holds what it asked for.
            if (cost is { } t)
            {
                logger.LogWarning("Shopify throttled {Operation}: {Available} of {Requested} points available, restoring {Rate}/s",
                    operation, t.Available, t.Requested, t.RestoreRate);
            }
            else
            {
                logger.LogWarning("Shopify throttled {Operation} without cost information; waiting 1 s", operation);
                await DelayAsync(TimeSpan.FromSeconds(1), ct);
            }
        }
    }

    /// <summary>Waits until the bucket (as last reported, plus its refill since) can pay for the next query.</summary>
    private async Task PaceAsync(string operation, int estimatedCost, CancellationToken ct)
    {
        // Timers fire on a coarse clock (up to a few ms early): re-check against the precise one until the bucket is full
        // enough, a few times at most (a capped wait may not be enough; THROTTLED handling covers the rest).
        for (var attempt = 0; attempt < 4; attempt++)
        {
            TimeSpan wait;
            lock (_lock)
            {
                if (_bucket is not { } b)
                {
                    return;
                }

                var cost = _requestedCost.GetValueOrDefault(operation, estimatedCost);
                wait = ShopifyQueries.WaitFor(cost, b.Available, b.RestoreRate, clock.GetElapsedTime(b.At), options.Value.MaxThrottleWait);
            }

            if (wait <= TimeSpan.Zero)
            {
                return;
            }

            logger.LogDebug("Shopify cost bucket low; waiting {Wait} before {Operation}", wait, operation);
            await DelayAsync(wait + TimerSlack, ct);
        }
    }

    private Task DelayAsync(TimeSpan wait, CancellationToken ct) => Task.Delay(wait, clock, ct);

    private async Task<JsonDocument> PostAsync(ShopifyOptions o, byte[] body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, o.GraphQlEndpoint());
        request.Headers.Add("X-Shopify-Access-Token", o.AccessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("MillionX.Pipeline", "1.0"));
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var http = httpClients.CreateClient(HttpClientName);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        var status = (int)response.StatusCode;
        switch (response.StatusCode)
        {
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                throw new ShopifyAccessException(
                    $"Shopify answered {status} {response.StatusCode} for {o.ShopHost()}: the access token is invalid or lacks the read_orders scope. " +
                    $"Check {ShopifyOptions.Section}:AccessToken (env {ShopifyOptions.AccessTokenEnvironmentVariable}).");
            case HttpStatusCode.PaymentRequired or HttpStatusCode.NotFound or HttpStatusCode.Locked:
                throw new ShopifyAccessException(
                    $"Shopify answered {status} {response.StatusCode} for {o.GraphQlEndpoint()}: the shop is frozen, locked or unknown, or API version {o.ApiVersion} does not exist.");
        }

        if (!response.IsSuccessStatusCode)
        {
            // What is left after the resilience handler's retries (429, 5xx): transient, the next run tries again.
            throw new HttpRequestException($"Shopify answered {status} {response.StatusCode} after retries.", null, response.StatusCode);
        }

        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException ex)
        {
            throw new HttpRequestException($"Shopify answered {status} with a body that is not JSON ({bytes.Length} bytes).", ex);
        }
    }

    private static byte[] Body(string query, Action<Utf8JsonWriter> variables)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("query", query);
            w.WritePropertyName("variables");
            w.WriteStartObject();
            variables(w);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static List<(string? Code, string Message)> Errors(JsonDocument doc)
    {
        if (!doc.RootElement.TryGetProperty("errors", out var errors))
        {
            return [];
        }

        return errors.ValueKind switch
        {
            JsonValueKind.Array => errors.EnumerateArray().Select(e =>
            (
                e.TryGetProperty("extensions", out var x) && x.TryGetProperty("code", out var code) ? code.GetString() : null,
                e.TryGetProperty("message", out var m) ? m.GetString() ?? "" : e.GetRawText()
            )).ToList(),
            JsonValueKind.String => [(null, errors.GetString() ?? "")],
            JsonValueKind.Null => [],
            _ => [(null, errors.GetRawText())],
        };
    }

    /// <summary>extensions.cost: requested cost and the bucket after this query.</summary>
    private static (double Requested, double Available, double RestoreRate)? ReadCost(JsonDocument doc)
    {
        if (!doc.RootElement.TryGetProperty("extensions", out var ext) || !ext.TryGetProperty("cost", out var cost)
            || !cost.TryGetProperty("throttleStatus", out var status)
            || !TryNumber(cost, "requestedQueryCost", out var requested)
            || !TryNumber(status, "currentlyAvailable", out var available)
            || !TryNumber(status, "restoreRate", out var restore))
        {
            return null;
        }

        return (requested, available, restore);
    }

    private static bool TryNumber(JsonElement e, string name, out double value)
    {
        value = 0;
        if (!e.TryGetProperty(name, out var v))
        {
            return false;
        }

        return v.ValueKind switch
        {
            JsonValueKind.Number => v.TryGetDouble(out value),
            JsonValueKind.String => double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value),
            _ => false,
        };
    }
}
