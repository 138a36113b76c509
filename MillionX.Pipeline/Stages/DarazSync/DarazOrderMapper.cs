using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MillionX.Pipeline.Stages.DarazSync;

/// <summary>
/// Turns one Daraz order and its item rows into raw <c>MarketOrder</c> JSON records, one per product line. Daraz returns
/// one item row per unit, so rows of the same SKU are folded into one line with a quantity; the natural key downstream
/// is (platform, order_id, product_id) with an empty line id. Each record carries the order's <c>updated_at</c>, so the
/// warehouse never lets an older version of the order replace a newer one. Pure. What cannot be mapped is passed on as
/// received (or left out), so the validation gate dead-letters it with a reason instead of the mapper guessing.
/// </summary>
public static partial class DarazOrderMapper
{
    public const string Platform = "daraz";
    public const string DefaultCurrency = "BDT";

    /// <summary>Daraz Bangladesh reports local time; a timestamp without an offset is read as Asia/Dhaka (UTC+6, no DST).</summary>
    public static readonly TimeSpan LocalOffset = TimeSpan.FromHours(6);

    private static readonly Dictionary<string, string> Statuses = new(StringComparer.Ordinal)
    {
        ["unpaid"] = "pending",
        ["pending"] = "pending",
        ["paid"] = "paid",
        ["topack"] = "processing",
        ["packed"] = "processing",
        ["repacked"] = "processing",
        ["toship"] = "processing",
        ["ready_to_ship"] = "processing",
        ["ready_to_ship_pending"] = "processing",
        ["processing"] = "processing",
        ["confirmed"] = "confirmed",
        ["shipped"] = "shipped",
        ["shipping"] = "shipped",
        ["in_transit"] = "shipped",
        ["delivered"] = "delivered",
        ["canceled"] = "cancelled",
        ["cancelled"] = "cancelled",
        ["returned"] = "returned",
        ["returning"] = "returned",
        ["shipped_back"] = "returned",
        ["shipped_back_success"] = "returned",
        ["package_returned"] = "returned",
        ["refunded"] = "refunded",
        ["failed"] = "failed",
        ["failed_delivery"] = "failed",
        ["delivery_failed"] = "failed",
        ["lost_by_3pl"] = "failed",
        ["damaged_by_3pl"] = "failed",
    };

    /// <summary>
    /// A Daraz order or item status in the contract's set. An unknown status is returned normalised but unmapped,
    /// so validation rejects the record visibly rather than filing it under a wrong status.
    /// </summary>
    public static string MapStatus(string? darazStatus)
    {
        var s = (darazStatus ?? "").Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_');
        return Statuses.TryGetValue(s, out var mapped) ? mapped : s;
    }

    /// <summary>
    /// RFC 3339 with an explicit offset from Daraz's <c>2026-11-20 10:00:00 +0600</c> (or ISO 8601) form; null when the
    /// text is not a date and time.
    /// </summary>
    public static string? NormaliseTimestamp(string? text)
    {
        var m = DarazTime().Match(text?.Trim() ?? "");
        if (!m.Success)
        {
            return null;
        }

        var offset = m.Groups["offset"].Value switch
        {
            "" => FormatOffset(LocalOffset),
            "Z" or "z" => "+00:00",
            var o when o.Length == 5 => o[..3] + ":" + o[3..],
            var o => o,
        };
        var s = $"{m.Groups["date"].Value}T{m.Groups["time"].Value}{offset}";
        return DateTimeOffset.TryParseExact(s, ["yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            ? s
            : null;
    }

    /// <summary>The instant of a Daraz timestamp, or null.</summary>
    public static DateTimeOffset? ParseTimestamp(string? text) =>
        NormaliseTimestamp(text) is { } s ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture) : null;

    /// <summary>One raw MarketOrder per product line of the order.</summary>
    public static IReadOnlyList<byte[]> Map(JsonElement order, IReadOnlyList<JsonElement> items, string merchantId)
    {
        var orderId = DarazClient.ScalarText(order, "order_id");
        var created = Text(order, "created_at");
        var timestamp = NormaliseTimestamp(created) ?? created;
        var updated = NormaliseTimestamp(Text(order, "updated_at"));
        var phone = Phone(order, "address_billing") ?? Phone(order, "address_shipping");
        var orderStatus = order.TryGetProperty("statuses", out var st) && st.ValueKind == JsonValueKind.Array && st.GetArrayLength() > 0
            ? st[0].ValueKind == JsonValueKind.String ? st[0].GetString() : null
            : Text(order, "status");

        var records = new List<byte[]>();
        foreach (var line in items.GroupBy(ProductId, StringComparer.Ordinal))
        {
            var rows = line.ToList();
            var first = rows[0];
            var o = new JsonObject { ["platform"] = Platform };
            Put(o, "order_id", orderId);
            Put(o, "merchant_id", merchantId);
            Put(o, "product_id", line.Key.Length > 0 ? line.Key : null);
            Put(o, "product_name", Text(first, "name")?.Trim());
            o["quantity"] = rows.Sum(Quantity);
            PutPrice(o, rows);
            o["currency"] = Text(first, "currency") is { Length: > 0 } currency ? currency : DefaultCurrency;
            o["order_status"] = LineStatus(rows, orderStatus);
            Put(o, "customer_phone", phone);
            Put(o, "timestamp", timestamp);
            Put(o, "updated_at", updated);
            records.Add(Encoding.UTF8.GetBytes(o.ToJsonString()));
        }

        return records;
    }

    /// <summary>The seller SKU identifies the product for the merchant; the platform's own ids are fallbacks.</summary>
    private static string ProductId(JsonElement item) =>
        (Text(item, "sku") ?? Text(item, "shop_sku") ?? DarazClient.ScalarText(item, "sku_id") ?? DarazClient.ScalarText(item, "product_id") ?? "").Trim();

    /// <summary>A row is one unit unless the API says otherwise.</summary>
    private static int Quantity(JsonElement item) =>
        item.TryGetProperty("quantity", out var q) && q.ValueKind == JsonValueKind.Number && q.TryGetInt32(out var n) && n > 0 ? n : 1;

    /// <summary>The unit price (item_price, before vouchers); rows of one SKU normally share it, else their mean.</summary>
    private static void PutPrice(JsonObject o, List<JsonElement> rows)
    {
        var prices = rows.Select(r => r.TryGetProperty("item_price", out var p) ? p : default).ToList();
        var parsed = prices.Select(Decimal).ToList();
        if (parsed.All(p => p is not null))
        {
            o["price"] = Math.Round(parsed.Average(p => p!.Value), 2, MidpointRounding.AwayFromZero);
        }
        else if (prices[0].ValueKind != JsonValueKind.Undefined)
        {
            o["price"] = JsonNode.Parse(prices[0].GetRawText());
        }
    }

    /// <summary>The status most units of the line have (ties: the first row's); the order's status when rows carry none.</summary>
    private static string LineStatus(List<JsonElement> rows, string? orderStatus) =>
        rows.Select(r => MapStatus(Text(r, "status") ?? orderStatus))
            .GroupBy(s => s, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .First().Key;

    private static decimal? Decimal(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number when e.TryGetDecimal(out var d) => d,
        JsonValueKind.String when decimal.TryParse(e.GetString(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    private static string? Phone(JsonElement order, string address) =>
        order.TryGetProperty(address, out var a) && a.ValueKind == JsonValueKind.Object
            ? (Text(a, "phone") ?? Text(a, "phone2"))?.Trim() is { Length: > 0 } p ? p : null
            : null;

    private static string? Text(JsonElement e, string name) => DarazClient.ScalarText(e, name);

    private static void Put(JsonObject o, string name, string? value)
    {
        if (value is not null)
        {
            o[name] = value;
        }
    }

    private static string FormatOffset(TimeSpan offset) =>
        (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString("hh\\:mm", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<date>\d{4}-\d{2}-\d{2})[ T](?<time>\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?)\s*(?<offset>Z|z|[+-]\d{2}:?\d{2})?$")]
    private static partial Regex DarazTime();
}
