using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace MillionX.Pipeline.Tests.Support;

public sealed record FakeShopifyLine(long Id, long? ProductId, string Title, int Quantity, decimal Price, string? Sku = null);

public sealed record FakeShopifyOrder(
    long Id,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<FakeShopifyLine> Lines,
    string Financial = "PAID",
    string Fulfillment = "UNFULFILLED",
    string? Phone = null,
    string? CustomerPhone = null,
    bool Cancelled = false,
    string Currency = "BDT")
{
    public string Gid => $"gid://shopify/Order/{Id}";
}

/// <summary>A webhook subscription the fake shop holds.</summary>
public sealed record FakeWebhookSubscription(string Id, string Topic, string Uri, string Format);

public enum FakeShopifyReplyKind
{
    /// <summary>200 with errors[].extensions.code THROTTLED and the bucket's throttleStatus (the query does not run).</summary>
    Throttled,

    /// <summary>HTTP 429.</summary>
    TooManyRequests,

    /// <summary>A 5xx.</summary>
    ServerError,

    /// <summary>Reads the request, never answers.</summary>
    Hang,
}

/// <summary>A scripted answer for the next GraphQL request; <see cref="Available"/> is what a THROTTLED answer reports.</summary>
public sealed record FakeShopifyReply(FakeShopifyReplyKind Kind, int Status = 200, double Available = 0)
{
    public static FakeShopifyReply Throttled(double available) => new(FakeShopifyReplyKind.Throttled, 200, available);

    public static FakeShopifyReply TooManyRequests() => new(FakeShopifyReplyKind.TooManyRequests, 429);

    public static FakeShopifyReply ServerError(int status = 500) => new(FakeShopifyReplyKind.ServerError, status);

    public static FakeShopifyReply Hang() => new(FakeShopifyReplyKind.Hang, 0);
}

/// <summary>One GraphQL request as the fake saw it.</summary>
public sealed record ShopifyRequest(string Operation, int First, string? After, string? Search, string? OrderGid, int Answer, bool Throttled, TimeSpan At, double RequestedCost, double Available = 0);

/// <summary>
/// The GraphQL Admin API of one shop on Kestrel (http://127.0.0.1:0), speaking the documented protocol and checking what it
/// receives: POST /admin/api/{version}/graphql.json, the X-Shopify-Access-Token, a JSON body with query and variables,
/// <c>orders(first, after, query: "updated_at:>'..' AND updated_at:<='..'", sortKey: UPDATED_AT)</c> answered from its
/// orders sorted by updatedAt with real opaque cursors, <c>order(id).lineItems(first, after)</c> for the rest of an order's
/// lines, and a leaky cost bucket: requestedQueryCost by Shopify's rule, THROTTLED when the bucket cannot pay, refunds
/// down to actualQueryCost, extensions.cost on every answer. Replies can also be scripted (THROTTLED, 429, 5xx, hang).
/// Protocol breaches go to <see cref="Violations"/>.
/// </summary>
public sealed partial class FakeShopify : FakeApiServer<ShopifyRequest>
{
    public const string Token = "shpat_fake_0123456789abcdef";
    public const string ApiVersion = "2025-10";
    public const string WebhookSecret = "fake-app-client-secret";

    private readonly Dictionary<long, FakeShopifyOrder> _orders = [];
    private readonly ReplyScript<FakeShopifyReply> _script = new();
    private double _available;
    private long _lastRefill;

    private FakeShopify(double maximumAvailable, double restoreRate)
    {
        MaximumAvailable = maximumAvailable;
        RestoreRate = restoreRate;
        _available = maximumAvailable;
        _lastRefill = Stopwatch.GetTimestamp();
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>host:port, what Shopify would send as X-Shopify-Shop-Domain for this shop.</summary>
    public string Host => Url.Authority;

    public double MaximumAvailable { get; }

    public double RestoreRate { get; }

    public static async Task<FakeShopify> StartAsync(double maximumAvailable = 2000, double restoreRate = 100_000)
    {
        var fake = new FakeShopify(maximumAvailable, restoreRate);
        await fake.ListenAsync(fake.HandleAsync);
        fake.Url = new Uri(fake.Address);
        return fake;
    }

    /// <summary>Adds orders, or replaces those with the same id (an update).</summary>
    public void Upsert(IEnumerable<FakeShopifyOrder> orders)
    {
        lock (Gate)
        {
            foreach (var o in orders)
            {
                _orders[o.Id] = o;
            }
        }
    }

    public IReadOnlyList<FakeShopifyOrder> Orders
    {
        get
        {
            lock (Gate)
            {
                return [.. _orders.Values.OrderBy(o => o.Id)];
            }
        }
    }

    public void Script(params FakeShopifyReply[] replies)
    {
        lock (Gate)
        {
            _script.Add(replies);
        }
    }

    /// <summary>
    /// <paramref name="count"/> orders with ids from <paramref name="firstId"/>, updated <paramref name="step"/> apart from
    /// <paramref name="firstUpdate"/>; order i has (i % 4) + 1 lines, every third one a customer phone only, every fifth no phone.
    /// </summary>
    public static List<FakeShopifyOrder> Generate(int count, long firstId, DateTimeOffset firstUpdate, TimeSpan step)
    {
        string[] financial = ["PAID", "PENDING", "AUTHORIZED", "PAID", "REFUNDED", "PARTIALLY_REFUNDED"];
        string[] fulfillment = ["UNFULFILLED", "FULFILLED", "PARTIALLY_FULFILLED", "UNFULFILLED"];
        var orders = new List<FakeShopifyOrder>();
        for (var i = 1; i <= count; i++)
        {
            var id = firstId + i - 1;
            var lines = Enumerable.Range(1, (i % 4) + 1)
                .Select(l => new FakeShopifyLine(
                    (id * 10) + l,
                    l == 4 ? null : 7_000 + ((i + l) % 9),
                    $"Product {(i + l) % 9} Jamdani",
                    l,
                    100m + (i * 10) + l + 0.5m,
                    l == 4 ? $"SKU-{id}-{l}" : null))
                .ToList();
            var phone = i % 5 == 0 ? null : $"+88017{id % 100_000_000:D8}";
            orders.Add(new FakeShopifyOrder(
                id,
                CreatedAt: firstUpdate + (step * (i - 1)) - TimeSpan.FromMinutes(30),
                UpdatedAt: firstUpdate + (step * (i - 1)),
                lines,
                financial[i % financial.Length],
                fulfillment[i % fulfillment.Length],
                Phone: i % 3 == 0 ? null : phone,
                CustomerPhone: phone));
        }

        return orders;
    }

    /// <summary>The REST order a Shopify webhook (orders/create) carries for <paramref name="order"/>.</summary>
    public static byte[] RestPayload(FakeShopifyOrder order) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["id"] = order.Id,
        ["admin_graphql_api_id"] = order.Gid,
        ["name"] = $"#{order.Id}",
        ["email"] = "buyer@example.com",
        ["created_at"] = order.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
        ["updated_at"] = order.UpdatedAt.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
        ["cancelled_at"] = order.Cancelled ? order.UpdatedAt.ToString("O", CultureInfo.InvariantCulture) : null,
        ["currency"] = order.Currency,
        ["financial_status"] = order.Financial.ToLowerInvariant(),
        ["fulfillment_status"] = order.Fulfillment switch { "FULFILLED" => "fulfilled", "PARTIALLY_FULFILLED" => "partial", _ => null },
        ["phone"] = order.Phone,
        ["customer"] = new JsonObject { ["id"] = 99, ["email"] = "buyer@example.com", ["phone"] = order.CustomerPhone },
        ["line_items"] = new JsonArray([.. order.Lines.Select(l => (JsonNode)new JsonObject
        {
            ["id"] = l.Id,
            ["admin_graphql_api_id"] = $"gid://shopify/LineItem/{l.Id}",
            ["product_id"] = l.ProductId,
            ["variant_id"] = l.ProductId is { } p ? p * 100 : null,
            ["title"] = l.Title,
            ["name"] = l.Title + " - Default",
            ["sku"] = l.Sku ?? "",
            ["quantity"] = l.Quantity,
            ["price"] = l.Price.ToString(CultureInfo.InvariantCulture),
            ["price_set"] = new JsonObject
            {
                ["shop_money"] = new JsonObject { ["amount"] = l.Price.ToString(CultureInfo.InvariantCulture), ["currency_code"] = order.Currency },
            },
        })]),
    }.ToJsonString());

    /// <summary>Shopify's worst-case cost rule, as the fake applies it (connection 2 + first x node; objects 1; scalars 0).</summary>
    public static double OrdersCost(int first, int lines) => 2 + (first * (3 + 2 + (lines * 4)));

    public static double LinesCost(int lines) => 3 + (lines * 4);

    private async Task HandleAsync(HttpContext ctx)
    {
        var at = SinceStart;
        var request = ctx.Request;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        var problems = new List<string>();
        if (request.Method != "POST" || request.Path != $"/admin/api/{ApiVersion}/graphql.json")
        {
            problems.Add($"unexpected {request.Method} {request.Path}");
            await AnswerAsync(ctx, null, 404, new JsonObject { ["errors"] = "Not Found" }, problems);
            return;
        }

        if (request.Headers["X-Shopify-Access-Token"].ToString() != Token)
        {
            // What Shopify answers for a wrong or revoked token; a client sending the wrong one is the test's subject, not a violation.
            await AnswerAsync(ctx, null, 401, new JsonObject { ["errors"] = "[API] Invalid API key or access token (unrecognized login or wrong password)" }, []);
            return;
        }

        if (!(request.ContentType ?? "").StartsWith("application/json", StringComparison.Ordinal))
        {
            problems.Add($"Content-Type is '{request.ContentType}', not application/json");
        }

        string query;
        JsonElement variables;
        try
        {
            using var doc = JsonDocument.Parse(buffer.ToArray());
            query = doc.RootElement.GetProperty("query").GetString() ?? "";
            variables = doc.RootElement.TryGetProperty("variables", out var v) ? v.Clone() : default;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            problems.Add("body is not {query, variables}: " + ex.Message);
            await AnswerAsync(ctx, null, 400, Errors("Bad Request", null), problems);
            return;
        }

        if (query.Contains("webhookSubscription", StringComparison.Ordinal))
        {
            await WebhookSubscriptionAsync(ctx, at, query, variables);
            return;
        }

        var isOrders = query.Contains("orders(", StringComparison.Ordinal);
        var isLines = !isOrders && query.Contains("order(id:", StringComparison.Ordinal);
        if (!isOrders && !isLines)
        {
            problems.Add("query is neither orders(...) nor order(id:).lineItems(...)");
            await AnswerAsync(ctx, null, 200, Errors("Unknown query", "GRAPHQL_VALIDATION_FAILED"), problems);
            return;
        }

        var lines = Int(variables, "lines", problems);
        var first = isOrders ? Int(variables, "first", problems) : lines;
        var after = variables.ValueKind == JsonValueKind.Object && variables.TryGetProperty("after", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        var search = isOrders && variables.ValueKind == JsonValueKind.Object && variables.TryGetProperty("query", out var q) ? q.GetString() : null;
        var orderGid = isLines && variables.ValueKind == JsonValueKind.Object && variables.TryGetProperty("id", out var id) ? id.GetString() : null;
        if (first is < 1 or > 250 || lines is < 1 or > 250)
        {
            problems.Add($"first={first}, lines={lines}: Shopify allows 1..250");
        }

        if (isOrders && !query.Contains("sortKey: UPDATED_AT", StringComparison.Ordinal))
        {
            problems.Add("orders(...) without sortKey: UPDATED_AT: pages would not come oldest update first");
        }

        if (!query.Contains("hasNextPage", StringComparison.Ordinal) || !query.Contains("endCursor", StringComparison.Ordinal))
        {
            problems.Add("query does not ask for pageInfo { hasNextPage endCursor }");
        }

        var requested = isOrders ? OrdersCost(first, lines) : LinesCost(lines);
        var record = new ShopifyRequest(isOrders ? "orders" : "lineItems", first, after, search, orderGid, 0, false, at, requested);
        if (problems.Count > 0)
        {
            await AnswerAsync(ctx, record with { Answer = 400 }, 200, Errors(string.Join("; ", problems), "BAD_REQUEST"), problems);
            return;
        }

        FakeShopifyReply? reply;
        double available;
        lock (Gate)
        {
            reply = _script.TryTake(out var r) ? r : null;
            Refill();
            available = _available;
        }

        switch (reply?.Kind)
        {
            case FakeShopifyReplyKind.Throttled:
                await AnswerAsync(ctx, record with { Answer = 200, Throttled = true }, 200, Throttled(requested, reply.Available), []);
                return;
            case FakeShopifyReplyKind.TooManyRequests or FakeShopifyReplyKind.ServerError:
                await AnswerAsync(ctx, record with { Answer = reply.Status }, reply.Status, new JsonObject { ["errors"] = reply.Status == 429 ? "Exceeded 2 calls per second for api client." : "Internal Server Error" }, []);
                return;
            case FakeShopifyReplyKind.Hang:
                await HangAsync(ctx, record);
                return;
        }

        if (requested > available)
        {
            await AnswerAsync(ctx, record with { Answer = 200, Throttled = true, Available = available }, 200, Throttled(requested, available), []);
            return;
        }

        JsonObject data;
        double actual;
        lock (Gate)
        {
            _available -= requested;
            (data, actual) = isOrders ? OrdersPage(first, after, search!, lines, problems) : LinesPage(orderGid, lines, after, problems);
            _available = Math.Min(MaximumAvailable, _available + (requested - actual));
            available = _available;
        }

        var answer = new JsonObject
        {
            ["data"] = data,
            ["extensions"] = Cost(requested, actual, available),
        };
        await AnswerAsync(ctx, record with { Answer = 200, Available = available }, 200, answer, problems);
    }

    private (JsonObject Data, double Actual) OrdersPage(int first, string? after, string search, int lines, List<string> problems)
    {
        var (since, until) = ParseSearch(search, problems);
        var all = _orders.Values
            .Where(o => (since is null || o.UpdatedAt > since) && (until is null || o.UpdatedAt <= until))
            .OrderBy(o => o.UpdatedAt).ThenBy(o => o.Id)
            .ToList();
        var start = 0;
        if (after is not null)
        {
            var (ticks, id) = DecodeOrderCursor(after, problems);
            start = all.FindIndex(o => o.UpdatedAt.UtcTicks > ticks || (o.UpdatedAt.UtcTicks == ticks && o.Id > id));
            start = start < 0 ? all.Count : start;
        }

        var page = all.Skip(start).Take(first).ToList();
        var edges = new JsonArray();
        var actual = 2.0;
        foreach (var o in page)
        {
            var shown = o.Lines.Take(lines).ToList();
            actual += 3 + 2 + (shown.Count * 4);
            edges.Add(new JsonObject
            {
                ["cursor"] = OrderCursor(o),
                ["node"] = new JsonObject
                {
                    ["id"] = o.Gid,
                    ["name"] = $"#{o.Id}",
                    ["createdAt"] = Iso(o.CreatedAt),
                    ["updatedAt"] = Iso(o.UpdatedAt),
                    ["cancelledAt"] = o.Cancelled ? Iso(o.UpdatedAt) : null,
                    ["displayFinancialStatus"] = o.Financial,
                    ["displayFulfillmentStatus"] = o.Fulfillment,
                    ["currencyCode"] = o.Currency,
                    ["phone"] = o.Phone,
                    ["customer"] = new JsonObject
                    {
                        ["defaultPhoneNumber"] = o.CustomerPhone is null ? null : new JsonObject { ["phoneNumber"] = o.CustomerPhone },
                    },
                    ["lineItems"] = LineConnection(o, 0, shown.Count),
                },
            });
        }

        var hasNext = start + page.Count < all.Count;
        return (new JsonObject
        {
            ["orders"] = new JsonObject
            {
                ["pageInfo"] = new JsonObject { ["hasNextPage"] = hasNext, ["endCursor"] = page.Count > 0 ? OrderCursor(page[^1]) : null },
                ["edges"] = edges,
            },
        }, actual);
    }

    private (JsonObject Data, double Actual) LinesPage(string? gid, int lines, string? after, List<string> problems)
    {
        var id = gid is not null && gid.StartsWith("gid://shopify/Order/", StringComparison.Ordinal) && long.TryParse(gid["gid://shopify/Order/".Length..], out var n) ? n : -1;
        if (!_orders.TryGetValue(id, out var order))
        {
            problems.Add($"order(id: {gid}) is not an order of this shop");
            return (new JsonObject { ["order"] = null }, 1);
        }

        var start = 0;
        if (after is not null)
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(after));
            if (!text.StartsWith("line:", StringComparison.Ordinal) || !int.TryParse(text[5..], out start))
            {
                problems.Add($"line item cursor '{after}' was not issued by this shop");
            }

            start++;
        }

        var count = Math.Max(0, Math.Min(lines, order.Lines.Count - start));
        return (new JsonObject { ["order"] = new JsonObject { ["lineItems"] = LineConnection(order, start, count) } }, 3 + (count * 4));
    }

    private static JsonObject LineConnection(FakeShopifyOrder o, int start, int count)
    {
        var edges = new JsonArray();
        for (var i = start; i < start + count; i++)
        {
            var l = o.Lines[i];
            edges.Add(new JsonObject
            {
                ["cursor"] = LineCursor(i),
                ["node"] = new JsonObject
                {
                    ["id"] = $"gid://shopify/LineItem/{l.Id}",
                    ["title"] = l.Title,
                    ["quantity"] = l.Quantity,
                    ["sku"] = l.Sku,
                    ["product"] = l.ProductId is { } p ? new JsonObject { ["id"] = $"gid://shopify/Product/{p}" } : null,
                    ["originalUnitPriceSet"] = new JsonObject
                    {
                        ["shopMoney"] = new JsonObject { ["amount"] = l.Price.ToString(CultureInfo.InvariantCulture), ["currencyCode"] = o.Currency },
                    },
                },
            });
        }

        return new JsonObject
        {
            ["pageInfo"] = new JsonObject { ["hasNextPage"] = start + count < o.Lines.Count, ["endCursor"] = count > 0 ? LineCursor(start + count - 1) : null },
            ["edges"] = edges,
        };
    }

    /// <summary>Accepts exactly the updated_at range terms Shopify's search syntax allows; anything else is a violation.</summary>
    private static (DateTimeOffset? Since, DateTimeOffset? Until) ParseSearch(string search, List<string> problems)
    {
        DateTimeOffset? since = null, until = null;
        var terms = search.Split(" AND ", StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var term in terms)
        {
            var m = UpdatedAtTerm().Match(term);
            if (!m.Success || !DateTimeOffset.TryParse(m.Groups[2].Value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t))
            {
                problems.Add($"search term '{term}' is not updated_at:<op>'<RFC 3339>'");
                continue;
            }

            switch (m.Groups[1].Value)
            {
                case ">":
                    since = t;
                    break;
                case "<=":
                    until = t;
                    break;
                default:
                    problems.Add($"search term '{term}': the fake only implements updated_at:> and updated_at:<=");
                    break;
            }
        }

        return (since, until);
    }

    [GeneratedRegex("^updated_at:(>=|<=|>|<)'([^']+)'$")]
    private static partial Regex UpdatedAtTerm();

    private static string OrderCursor(FakeShopifyOrder o) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"order:{o.UpdatedAt.UtcTicks}:{o.Id}"));

    private static (long Ticks, long Id) DecodeOrderCursor(string cursor, List<string> problems)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(cursor)).Split(':');
            if (parts.Length == 3 && parts[0] == "order")
            {
                return (long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture));
            }
        }
        catch (FormatException)
        {
        }

        problems.Add($"order cursor '{cursor}' was not issued by this shop");
        return (long.MaxValue, long.MaxValue);
    }

    private static string LineCursor(int index) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"line:{index}"));

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static int Int(JsonElement variables, string name, List<string> problems)
    {
        if (variables.ValueKind == JsonValueKind.Object && variables.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i))
        {
            return i;
        }

        problems.Add($"variable ${name} missing or not an Int");
        return 0;
    }

    private void Refill()
    {
        var now = Stopwatch.GetTimestamp();
        _available = Math.Min(MaximumAvailable, _available + (RestoreRate * Stopwatch.GetElapsedTime(_lastRefill, now).TotalSeconds));
        _lastRefill = now;
    }

    private JsonObject Cost(double requested, double? actual, double available) => new()
    {
        ["cost"] = new JsonObject
        {
            ["requestedQueryCost"] = requested,
            ["actualQueryCost"] = actual,
            ["throttleStatus"] = new JsonObject
            {
                ["maximumAvailable"] = MaximumAvailable,
                ["currentlyAvailable"] = available,
                ["restoreRate"] = RestoreRate,
            },
        },
    };

    private JsonObject Throttled(double requested, double available) => new()
    {
        ["errors"] = new JsonArray(new JsonObject
        {
            ["message"] = "Throttled",
            ["extensions"] = new JsonObject { ["code"] = "THROTTLED", ["documentation"] = "https://shopify.dev/api/usage/rate-limits" },
        }),
        ["extensions"] = Cost(requested, null, available),
    };

    // ---- webhook subscriptions ----------------------------------------------------------------------------------------
    // API version 2025-10: webhookSubscriptions(first, topics) and webhookSubscriptionCreate(topic, webhookSubscription),
    // the destination in `uri` (callbackUrl is deprecated since), userErrors { field message } for refused input, with the
    // messages Shopify gives: a non-HTTPS address, a Shopify or internal host, a topic and address already subscribed.

    private readonly List<FakeWebhookSubscription> _webhooks = [];

    /// <summary>This app's subscriptions on the shop, oldest first.</summary>
    public IReadOnlyList<FakeWebhookSubscription> WebhookSubscriptions
    {
        get
        {
            lock (Gate)
            {
                return [.. _webhooks];
            }
        }
    }

    /// <summary>A subscription made before the test (by hand, or by another deployment).</summary>
    public void AddWebhookSubscription(string topic, string uri)
    {
        lock (Gate)
        {
            _webhooks.Add(new($"gid://shopify/WebhookSubscription/{_webhooks.Count + 1}", topic, uri, "JSON"));
        }
    }

    private async Task WebhookSubscriptionAsync(HttpContext ctx, TimeSpan at, string query, JsonElement variables)
    {
        var problems = new List<string>();
        var isCreate = query.Contains("webhookSubscriptionCreate(", StringComparison.Ordinal);
        if (!isCreate && !query.Contains("webhookSubscriptions(", StringComparison.Ordinal))
        {
            problems.Add("neither webhookSubscriptions(...) nor webhookSubscriptionCreate(...)");
        }

        if (!UriField().IsMatch(query) || query.Contains("callbackUrl", StringComparison.Ordinal))
        {
            problems.Add($"API {ApiVersion} names the destination `uri` (callbackUrl is deprecated)");
        }

        JsonObject data;
        var first = 0;
        double requested = 10;
        if (isCreate)
        {
            if (!query.Contains("topic: ORDERS_CREATE", StringComparison.Ordinal) || !query.Contains("userErrors", StringComparison.Ordinal))
            {
                problems.Add("webhookSubscriptionCreate without topic: ORDERS_CREATE or without userErrors");
            }

            var input = variables.ValueKind == JsonValueKind.Object && variables.TryGetProperty("webhookSubscription", out var w) && w.ValueKind == JsonValueKind.Object ? w : default;
            var uri = input.ValueKind == JsonValueKind.Object && input.TryGetProperty("uri", out var u) ? u.GetString() : null;
            if (input.ValueKind != JsonValueKind.Object || !input.TryGetProperty("format", out var f) || f.GetString() != "JSON")
            {
                problems.Add("webhookSubscription input without format: JSON");
            }

            lock (Gate)
            {
                var refusal = !Uri.TryCreate(uri, UriKind.Absolute, out var address) ? "Address is invalid"
                    : address.Scheme != Uri.UriSchemeHttps ? $"Address protocol {address.Scheme}:// is not supported"
                    : address.IsLoopback || address.Host.EndsWith("myshopify.com", StringComparison.OrdinalIgnoreCase) ? "Address cannot be a Shopify or an internal domain"
                    : _webhooks.Any(x => x.Topic == "ORDERS_CREATE" && x.Uri == uri) ? "Address for this topic has already been taken"
                    : null;
                FakeWebhookSubscription? created = null;
                if (refusal is null && problems.Count == 0)
                {
                    created = new($"gid://shopify/WebhookSubscription/{_webhooks.Count + 1}", "ORDERS_CREATE", uri!, "JSON");
                    _webhooks.Add(created);
                }

                data = new JsonObject
                {
                    ["webhookSubscriptionCreate"] = new JsonObject
                    {
                        ["webhookSubscription"] = created is null ? null : new JsonObject { ["id"] = created.Id, ["uri"] = created.Uri },
                        ["userErrors"] = refusal is null ? new JsonArray()
                            : new JsonArray(new JsonObject { ["field"] = new JsonArray("webhookSubscription", "uri"), ["message"] = refusal }),
                    },
                };
            }
        }
        else
        {
            first = Int(variables, "first", problems);
            if (!query.Contains("topics: [ORDERS_CREATE]", StringComparison.Ordinal))
            {
                problems.Add("webhookSubscriptions(...) without topics: [ORDERS_CREATE]");
            }

            requested = 2 + first;
            lock (Gate)
            {
                data = new JsonObject
                {
                    ["webhookSubscriptions"] = new JsonObject
                    {
                        ["nodes"] = new JsonArray([.. _webhooks.Where(x => x.Topic == "ORDERS_CREATE").Take(first)
                            .Select(x => (JsonNode)new JsonObject { ["id"] = x.Id, ["uri"] = x.Uri, ["format"] = x.Format })]),
                    },
                };
            }
        }

        var record = new ShopifyRequest(isCreate ? "webhookSubscriptionCreate" : "webhookSubscriptions", first, null, null, null, 200, false, at, requested, _available);
        if (problems.Count > 0)
        {
            await AnswerAsync(ctx, record with { Answer = 400 }, 200, Errors(string.Join("; ", problems), "BAD_REQUEST"), problems);
            return;
        }

        await AnswerAsync(ctx, record, 200, new JsonObject { ["data"] = data, ["extensions"] = Cost(requested, requested, _available) }, problems);
    }

    [GeneratedRegex(@"\buri\b")]
    private static partial Regex UriField();

    private static JsonObject Errors(string message, string? code) => new()
    {
        ["errors"] = new JsonArray(new JsonObject
        {
            ["message"] = message,
            ["extensions"] = code is null ? null : new JsonObject { ["code"] = code },
        }),
    };

}
