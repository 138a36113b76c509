using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>One item row (Daraz returns one per unit).</summary>
public sealed record FakeDarazItem(long OrderItemId, string Sku, string Name, decimal ItemPrice, string Status = "pending");

/// <summary>An order as the fake stores it.</summary>
public sealed record FakeDarazOrder(long OrderId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string Status, string? BillingPhone, IReadOnlyList<FakeDarazItem> Items);

public enum FakeDarazReplyKind
{
    Ok,

    /// <summary>Code <c>ApiCallLimit</c>, with HTTP <see cref="FakeDarazReply.Status"/> (429, or 200 as some gateways do).</summary>
    Throttled,

    /// <summary>HTTP 5xx with a non-JSON body, as a gateway in front of the API would answer.</summary>
    ServerError,

    /// <summary>Never answers.</summary>
    Hang,
}

public sealed record FakeDarazReply(FakeDarazReplyKind Kind, int Status = 200)
{
    public static FakeDarazReply Throttled(int status = 429) => new(FakeDarazReplyKind.Throttled, status);

    public static FakeDarazReply ServerError(int status = 500) => new(FakeDarazReplyKind.ServerError, status);

    public static FakeDarazReply Hang() => new(FakeDarazReplyKind.Hang, 0);
}

/// <summary>One request the fake received.</summary>
public sealed record FakeDarazRequest(string ApiPath, IReadOnlyDictionary<string, string> Query, int Answer, string? Code);

/// <summary>
/// The Daraz Open Platform seller API (<c>/rest/orders/get</c>, <c>/rest/orders/items/get</c>) on Kestrel at
/// http://127.0.0.1:0. Checks what it receives as the platform does: app_key, access_token, sign_method=sha256, a
/// millisecond timestamp within 7200 s, and the signature recomputed here independently (HMAC-SHA256 over the API path
/// and the sorted name/value pairs), answering <c>IncompleteSignature</c> / <c>IllegalAccessToken</c> /
/// <c>InvalidParameter</c> like Daraz and listing the breach in <see cref="Violations"/>. <c>update_after</c> and
/// <c>update_before</c> are inclusive ("after or on"), sorted by updated_at ascending, paged by offset/limit (at most
/// 100); items for at most 50 order ids. Replies per API path can be scripted (throttle, 5xx, hang).
/// </summary>
public sealed class FakeDaraz : FakeApiServer<FakeDarazRequest>
{
    public const string OrdersPath = "/orders/get";
    public const string ItemsPath = "/orders/items/get";

    private static readonly TimeSpan Dhaka = TimeSpan.FromHours(6);
    private readonly string _appKey;
    private readonly string _appSecret;
    private readonly string _accessToken;
    private readonly Dictionary<long, FakeDarazOrder> _orders = [];
    private readonly ReplyScript<FakeDarazReply> _scripts = new();

    private FakeDaraz(string appKey, string appSecret, string accessToken)
    {
        _appKey = appKey;
        _appSecret = appSecret;
        _accessToken = accessToken;
    }

    /// <summary>The gateway to configure as <c>Stages:daraz-sync:BaseUrl</c>, e.g. http://127.0.0.1:41234/rest.</summary>
    public string RestUrl { get; private set; } = "";

    public static async Task<FakeDaraz> StartAsync(string appKey, string appSecret, string accessToken)
    {
        var fake = new FakeDaraz(appKey, appSecret, accessToken);
        await fake.ListenAsync(fake.HandleAsync);
        fake.RestUrl = fake.Address.TrimEnd('/') + "/rest";
        return fake;
    }

    /// <summary>Adds or replaces orders.</summary>
    public void Put(params FakeDarazOrder[] orders)
    {
        lock (Gate)
        {
            foreach (var o in orders)
            {
                _orders[o.OrderId] = o;
            }
        }
    }

    /// <summary>Replies for the next calls of one API path, in order; unscripted calls are answered normally.</summary>
    public void Script(string apiPath, params FakeDarazReply[] replies)
    {
        lock (Gate)
        {
            _scripts.Add(apiPath, replies);
        }
    }

    public IReadOnlyList<FakeDarazRequest> Calls(string apiPath) => Requests.Where(r => r.ApiPath == apiPath).ToList();

    /// <summary>Daraz's wire form of a time: local Bangladesh time with a +0600 offset.</summary>
    public static string Wire(DateTimeOffset t) => t.ToOffset(Dhaka).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " +0600";

    /// <summary>The documented signature, computed here without the production code.</summary>
    public static string ExpectedSign(string apiPath, IEnumerable<KeyValuePair<string, string>> parameters, string secret)
    {
        var text = new StringBuilder(apiPath);
        foreach (var p in parameters.Where(p => p.Key != "sign").OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(p.Key).Append(p.Value);
        }

        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        return string.Concat(hmac.ComputeHash(Encoding.UTF8.GetBytes(text.ToString())).Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "";
        var apiPath = path.StartsWith("/rest/", StringComparison.Ordinal) ? path["/rest".Length..] : path;
        var query = ctx.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);

        if (ctx.Request.Method != "GET" || apiPath is not (OrdersPath or ItemsPath))
        {
            await ErrorAsync(ctx, apiPath, query, 404, "InvalidApiPath", $"The specified API path {ctx.Request.Method} {path} is invalid", true);
            return;
        }

        // Authentication first, as the gateway does.
        var problems = new List<string>();
        foreach (var required in new[] { "app_key", "timestamp", "sign_method", "sign", "access_token" })
        {
            if (!query.ContainsKey(required))
            {
                problems.Add($"missing system parameter {required}");
            }
        }

        if (problems.Count > 0)
        {
            await ErrorAsync(ctx, apiPath, query, 400, "MissingParameter", string.Join("; ", problems), true);
            return;
        }

        if (query["app_key"] != _appKey)
        {
            await ErrorAsync(ctx, apiPath, query, 400, "InvalidAppKey", "The specified app key is invalid", true);
            return;
        }

        if (query["sign_method"] != "sha256")
        {
            await ErrorAsync(ctx, apiPath, query, 400, "InvalidSignMethod", $"sign_method '{query["sign_method"]}' is not supported", true);
            return;
        }

        if (!long.TryParse(query["timestamp"], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - ms) > 7_200_000)
        {
            await ErrorAsync(ctx, apiPath, query, 400, "IncompleteSignature", $"timestamp '{query["timestamp"]}' is not epoch milliseconds within 7200 s", true);
            return;
        }

        if (query["sign"] != ExpectedSign(apiPath, query, _appSecret))
        {
            await ErrorAsync(ctx, apiPath, query, 400, "IncompleteSignature", "The request signature does not conform to platform standards", true);
            return;
        }

        if (query["access_token"] != _accessToken)
        {
            // A wrong token is a test scenario, not a protocol breach.
            await ErrorAsync(ctx, apiPath, query, 401, "IllegalAccessToken", "The specified access token is invalid or expired", false);
            return;
        }

        FakeDarazReply? scripted = null;
        lock (Gate)
        {
            if (_scripts.TryTake(apiPath, out var reply))
            {
                scripted = reply;
            }
        }

        switch (scripted?.Kind)
        {
            case FakeDarazReplyKind.Throttled:
                await ErrorAsync(ctx, apiPath, query, scripted.Status, "ApiCallLimit", "The request has exceeded the limit. The ban will last 1 seconds", false);
                return;
            case FakeDarazReplyKind.ServerError:
                Record(new FakeDarazRequest(apiPath, query, scripted.Status, null));
                ctx.Response.StatusCode = scripted.Status;
                ctx.Response.ContentType = "text/html";
                await ctx.Response.WriteAsync("<html><body>502 Bad Gateway</body></html>", ctx.RequestAborted);
                return;
            case FakeDarazReplyKind.Hang:
                await HangAsync(ctx, new FakeDarazRequest(apiPath, query, 0, null));
                return;
        }

        if (apiPath == OrdersPath)
        {
            await OrdersAsync(ctx, query);
        }
        else
        {
            await ItemsAsync(ctx, query);
        }
    }

    private async Task OrdersAsync(HttpContext ctx, Dictionary<string, string> query)
    {
        var problems = new List<string>();
        DateTimeOffset after = default, before = DateTimeOffset.MaxValue;
        if (!query.TryGetValue("update_after", out var a) && !query.ContainsKey("created_after"))
        {
            problems.Add("either update_after or created_after is required");
        }
        else if (a is not null && !TryIso(a, out after))
        {
            problems.Add($"update_after '{a}' is not ISO 8601 with an offset");
        }

        if (query.TryGetValue("update_before", out var b) && !TryIso(b, out before))
        {
            problems.Add($"update_before '{b}' is not ISO 8601 with an offset");
        }

        var offset = Int(query, "offset", 0, problems, 0, int.MaxValue);
        var limit = Int(query, "limit", 100, problems, 1, 100);
        if (query.TryGetValue("sort_by", out var sortBy) && sortBy is not ("created_at" or "updated_at"))
        {
            problems.Add($"sort_by '{sortBy}' is not created_at or updated_at");
        }

        if (query.TryGetValue("sort_direction", out var dir) && dir is not ("ASC" or "DESC"))
        {
            problems.Add($"sort_direction '{dir}' is not ASC or DESC");
        }

        if (problems.Count > 0)
        {
            await ErrorAsync(ctx, OrdersPath, query, 400, "InvalidParameter", string.Join("; ", problems), true);
            return;
        }

        List<FakeDarazOrder> matching;
        lock (Gate)
        {
            var asc = dir != "DESC";
            var all = _orders.Values.Where(o => o.UpdatedAt >= after && o.UpdatedAt <= before);
            matching = (sortBy == "created_at"
                ? asc ? all.OrderBy(o => o.CreatedAt) : all.OrderByDescending(o => o.CreatedAt)
                : asc ? all.OrderBy(o => o.UpdatedAt) : all.OrderByDescending(o => o.UpdatedAt)).ThenBy(o => o.OrderId).ToList();
        }

        var page = matching.Skip(offset).Take(limit).ToList();
        var orders = new JsonArray();
        foreach (var o in page)
        {
            orders.Add(new JsonObject
            {
                ["order_id"] = o.OrderId,
                ["order_number"] = o.OrderId + 100_000_000L,
                ["created_at"] = Wire(o.CreatedAt),
                ["updated_at"] = Wire(o.UpdatedAt),
                ["price"] = o.Items.Sum(i => i.ItemPrice).ToString("0.00", CultureInfo.InvariantCulture),
                ["items_count"] = o.Items.Count,
                ["payment_method"] = "COD",
                ["statuses"] = new JsonArray(o.Status),
                ["address_billing"] = new JsonObject { ["first_name"] = "Customer", ["phone"] = o.BillingPhone ?? "", ["city"] = "Dhaka" },
                ["address_shipping"] = new JsonObject { ["first_name"] = "Customer", ["phone"] = "01700000000", ["city"] = "Dhaka" },
            });
        }

        await OkAsync(ctx, OrdersPath, query, new JsonObject
        {
            ["count"] = page.Count,
            ["countTotal"] = matching.Count,
            ["orders"] = orders,
        });
    }

    private async Task ItemsAsync(HttpContext ctx, Dictionary<string, string> query)
    {
        long[]? ids = null;
        var problem = "";
        try
        {
            ids = query.TryGetValue("order_ids", out var raw) ? JsonSerializer.Deserialize<long[]>(raw) : null;
            problem = ids is null ? "order_ids is required" : ids.Length is < 1 or > 50 ? $"order_ids has {ids.Length} ids; 1 to 50 are allowed" : "";
        }
        catch (JsonException)
        {
            problem = $"order_ids '{query.GetValueOrDefault("order_ids")}' is not a JSON array of numbers";
        }

        if (problem.Length > 0)
        {
            await ErrorAsync(ctx, ItemsPath, query, 400, "InvalidParameter", problem, true);
            return;
        }

        var data = new JsonArray();
        lock (Gate)
        {
            foreach (var id in ids!.Distinct())
            {
                if (!_orders.TryGetValue(id, out var o))
                {
                    continue;
                }

                var rows = new JsonArray();
                foreach (var i in o.Items)
                {
                    rows.Add(new JsonObject
                    {
                        ["order_item_id"] = i.OrderItemId,
                        ["order_id"] = o.OrderId,
                        ["name"] = i.Name,
                        ["sku"] = i.Sku,
                        ["shop_sku"] = $"{i.Sku}_BD-{i.OrderItemId}",
                        ["item_price"] = i.ItemPrice.ToString("0.00", CultureInfo.InvariantCulture),
                        ["paid_price"] = i.ItemPrice.ToString("0.00", CultureInfo.InvariantCulture),
                        ["currency"] = "BDT",
                        ["status"] = i.Status,
                        ["created_at"] = Wire(o.CreatedAt),
                        ["updated_at"] = Wire(o.UpdatedAt),
                    });
                }

                data.Add(new JsonObject { ["order_id"] = o.OrderId, ["order_number"] = o.OrderId + 100_000_000L, ["order_items"] = rows });
            }
        }

        await OkAsync(ctx, ItemsPath, query, data);
    }

    private static bool TryIso(string s, out DateTimeOffset t) =>
        DateTimeOffset.TryParseExact(s, ["yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mm:ss'Z'"],
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out t);

    private static int Int(Dictionary<string, string> query, string name, int fallback, List<string> problems, int min, int max)
    {
        if (!query.TryGetValue(name, out var s))
        {
            return fallback;
        }

        if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            problems.Add($"{name} '{s}' is not between {min} and {max}");
            return fallback;
        }

        return n;
    }

    private async Task OkAsync(HttpContext ctx, string apiPath, Dictionary<string, string> query, JsonNode data)
    {
        var body = new JsonObject { ["code"] = "0", ["data"] = data, ["request_id"] = Guid.NewGuid().ToString("N") };
        await AnswerAsync(ctx, new FakeDarazRequest(apiPath, query, 200, "0"), 200, body, []);
    }

    private async Task ErrorAsync(HttpContext ctx, string apiPath, Dictionary<string, string> query, int status, string code, string message, bool violation)
    {
        var body = new JsonObject { ["type"] = "ISV", ["code"] = code, ["message"] = message, ["request_id"] = Guid.NewGuid().ToString("N") };
        await AnswerAsync(ctx, new FakeDarazRequest(apiPath, query, status, code), status, body, violation ? [$"{apiPath}: {code}: {message}"] : []);
    }
}
