using System.Net;

namespace MillionX.Pipeline.Stages.DarazSync;

/// <summary>An error answer of the Daraz API (<c>code</c> other than <c>"0"</c>).</summary>
public sealed class DarazApiException(string apiPath, string code, string? apiMessage, string? requestId)
    : Exception($"Daraz {apiPath} failed with code '{code}': {apiMessage ?? "(no message)"} (request_id {requestId ?? "?"}).{Hint(code)}")
{
    public string ApiPath => apiPath;

    public string Code => code;

    public string? RequestId => requestId;

    private static string Hint(string code) => code switch
    {
        "IllegalAccessToken" => $" The access token is invalid or expired: refresh it and set {DarazOptions.EnvironmentVariable("AccessToken")}.",
        "IncompleteSignature" => $" The signature was refused: check {DarazOptions.EnvironmentVariable("AppSecret")} and the clock.",
        "InvalidAppKey" or "AppKeyNotExist" => $" Check {DarazOptions.EnvironmentVariable("AppKey")}.",
        _ => "",
    };
}

/// <summary>One page of <c>/orders/get</c>.</summary>
public sealed record DarazOrdersPage(long? CountTotal, IReadOnlyList<JsonElement> Orders);

/// <summary>
/// The two calls the Daraz source needs, signed as the Open Platform documents: <c>/orders/get</c> (orders updated in a
/// window, oldest first, by offset and limit) and <c>/orders/items/get</c> (the item rows of up to 50 orders). Transport
/// failures (5xx, 429, timeouts) are retried by the named HttpClient's resilience handler; a call the API answers with
/// <c>ApiCallLimit</c> is re-signed and retried here with backoff; any other error code throws <see cref="DarazApiException"/>.
/// </summary>
public sealed class DarazClient(HttpClient http, DarazOptions options, TimeProvider clock, ILogger logger)
{
    public const string OrdersPath = "/orders/get";
    public const string ItemsPath = "/orders/items/get";
    public const int MaxOrderIdsPerCall = 50;
    public const string ThrottledCode = "ApiCallLimit";

    /// <summary>Daraz accepts ISO 8601 with an offset for its time filters.</summary>
    public static string FormatTime(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    public async Task<DarazOrdersPage> GetOrdersAsync(DateTimeOffset updatedAfter, DateTimeOffset updatedBefore, int offset, int limit, CancellationToken ct)
    {
        var data = await CallAsync(OrdersPath,
        [
            new("update_after", FormatTime(updatedAfter)),
            new("update_before", FormatTime(updatedBefore)),
            new("sort_by", "updated_at"),
            new("sort_direction", "ASC"),
            new("offset", offset.ToString(CultureInfo.InvariantCulture)),
            new("limit", limit.ToString(CultureInfo.InvariantCulture)),
        ], ct);
        if (data.ValueKind != JsonValueKind.Object)
        {
            throw new DarazApiException(OrdersPath, "UnexpectedResponse", $"data is a {data.ValueKind}, not an object", null);
        }

        long? total = data.TryGetProperty("countTotal", out var t) ? ReadLong(t) : null;
        var orders = data.TryGetProperty("orders", out var o) && o.ValueKind == JsonValueKind.Array ? o.EnumerateArray().ToList() : [];
        return new DarazOrdersPage(total, orders);
    }

    /// <summary>The item rows of the given orders by order id, fetched in calls of at most 50 ids.</summary>
    public async Task<Dictionary<string, List<JsonElement>>> GetItemsAsync(IReadOnlyList<string> orderIds, CancellationToken ct)
    {
        var byOrder = new Dictionary<string, List<JsonElement>>(StringComparer.Ordinal);
        foreach (var chunk in orderIds.Chunk(MaxOrderIdsPerCall))
        {
            var data = await CallAsync(ItemsPath, [new("order_ids", FormatIds(chunk))], ct);
            if (data.ValueKind != JsonValueKind.Array)
            {
                throw new DarazApiException(ItemsPath, "UnexpectedResponse", $"data is a {data.ValueKind}, not an array", null);
            }

            foreach (var entry in data.EnumerateArray())
            {
                // Documented shape: one entry per order with its order_items. Tolerate a flat list of item rows too.
                if (entry.TryGetProperty("order_items", out var rows) && rows.ValueKind == JsonValueKind.Array)
                {
                    var id = ScalarText(entry, "order_id");
                    if (id is not null)
                    {
                        Add(byOrder, id, rows.EnumerateArray());
                    }
                }
                else if (ScalarText(entry, "order_id") is { } id)
                {
                    Add(byOrder, id, [entry]);
                }
            }
        }

        return byOrder;
    }

    /// <summary>A field as text, whether the API sent it as a number or a string (ids, phone numbers); null when absent or empty.</summary>
    public static string? ScalarText(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString() is { Length: > 0 } s ? s : null,
                JsonValueKind.Number => v.GetRawText(),
                _ => null,
            }
            : null;

    /// <summary>order_ids is a JSON array; numeric ids go unquoted as in the documentation's examples.</summary>
    public static string FormatIds(IEnumerable<string> ids)
    {
        var list = ids.ToList();
        return list.All(i => i.Length > 0 && i.All(char.IsAsciiDigit))
            ? "[" + string.Join(",", list) + "]"
            : "[" + string.Join(",", list.Select(i => JsonSerializer.Serialize(i, Contracts.ContractJson.Default.String))) + "]";
    }

    private static void Add(Dictionary<string, List<JsonElement>> byOrder, string id, IEnumerable<JsonElement> rows)
    {
        if (!byOrder.TryGetValue(id, out var list))
        {
            byOrder[id] = list = [];
        }

        list.AddRange(rows);
    }

    private static long? ReadLong(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number when e.TryGetInt64(out var n) => n,
        JsonValueKind.String when long.TryParse(e.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };

    /// <summary>Signs and sends one GET; returns <c>data</c> of a <c>code "0"</c> answer.</summary>
    private async Task<JsonElement> CallAsync(string apiPath, IReadOnlyList<KeyValuePair<string, string>> business, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            // Re-signed per attempt: the timestamp is part of the signature and Daraz refuses stale ones.
            var parameters = new List<KeyValuePair<string, string>>(business)
            {
                new("app_key", options.AppKey),
                new("access_token", options.AccessToken),
                new("sign_method", DarazSigner.SignMethod),
                new("timestamp", clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)),
            };
            parameters.Add(new("sign", DarazSigner.Sign(apiPath, parameters, options.AppSecret)));

            using var response = await http.GetAsync(Url(apiPath, parameters), ct);
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            var (code, message, requestId, data) = Parse(body);
            if (code is null)
            {
                // No Daraz envelope: a gateway or proxy answered (the handler already retried 5xx and 429).
                throw new HttpRequestException(
                    $"Daraz {apiPath} answered HTTP {(int)response.StatusCode} without a JSON envelope", null, response.StatusCode);
            }

            if (code == "0")
            {
                return data;
            }

            if (code == ThrottledCode || response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                if (attempt >= options.MaxThrottleRetries)
                {
                    throw new DarazApiException(apiPath, code, $"still throttled after {attempt + 1} attempts: {message}", requestId);
                }

                var wait = Backoff.ForAttempt(attempt + 1, options.ThrottleDelay, options.MaxThrottleDelay);
                logger.LogWarning("Daraz {Path} throttled ({Code}); retry {Attempt} in {Wait}", apiPath, code, attempt + 1, wait);
                await Task.Delay(wait, clock, ct);
                continue;
            }

            throw new DarazApiException(apiPath, code, message, requestId);
        }
    }

    private string Url(string apiPath, List<KeyValuePair<string, string>> parameters)
    {
        var sb = new StringBuilder(options.BaseUrl.TrimEnd('/')).Append(apiPath).Append('?');
        for (var i = 0; i < parameters.Count; i++)
        {
            if (i > 0)
            {
                sb.Append('&');
            }

            sb.Append(Uri.EscapeDataString(parameters[i].Key)).Append('=').Append(Uri.EscapeDataString(parameters[i].Value));
        }

        return sb.ToString();
    }

    private static (string? Code, string? Message, string? RequestId, JsonElement Data) Parse(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("code", out var c))
            {
                return (null, null, null, default);
            }

            var code = c.ValueKind == JsonValueKind.String ? c.GetString() ?? "" : c.GetRawText();
            var message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            var requestId = root.TryGetProperty("request_id", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            var data = root.TryGetProperty("data", out var d) ? d.Clone() : default;
            return (code, message, requestId, data);
        }
        catch (JsonException)
        {
            return (null, null, null, default);
        }
    }
}
