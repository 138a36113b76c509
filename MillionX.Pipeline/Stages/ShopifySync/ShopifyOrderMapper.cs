using System.Buffers;

namespace MillionX.Pipeline.Stages.ShopifySync;

/// <summary>One line of a Shopify order, as the API gave it (missing values stay missing; the gate reports them).</summary>
public sealed record ShopifyLineItem(string? Id, string? ProductId, string? Sku, string? Title, int? Quantity, decimal? UnitPrice, string? Currency);

/// <summary>A Shopify order from either the GraphQL Admin API or a webhook (REST shape), reduced to what the contract needs.</summary>
public sealed record ShopifyOrder(
    string? Id,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt,
    string? FinancialStatus,
    string? FulfillmentStatus,
    bool Cancelled,
    string? Currency,
    string? Phone,
    IReadOnlyList<ShopifyLineItem> LineItems,
    bool MoreLineItems = false,
    string? LineItemsCursor = null)
{
    /// <summary>The order's GraphQL id, for follow-up queries.</summary>
    public string Gid => $"gid://shopify/Order/{Id}";
}

/// <summary>
/// Pure: Shopify orders (GraphQL nodes or webhook REST payloads) to raw MarketOrder records, one per line item, each
/// with its line id (variants of one product share the product id) and the order's <c>updatedAt</c>.
/// The records still go through the shared validation gate; nothing here decides what is valid.
/// </summary>
public static class ShopifyOrderMapper
{
    public const string Platform = "shopify";

    /// <summary>Parses an <c>Order</c> node of the GraphQL Admin API.</summary>
    public static ShopifyOrder FromGraphQl(JsonElement node)
    {
        var lines = new List<ShopifyLineItem>();
        var more = false;
        string? cursor = null;
        if (Child(node, "lineItems") is { } connection)
        {
            (more, cursor) = PageInfo(connection);
            lines.AddRange(LineItemsFromGraphQl(connection));
        }

        var customerPhone = Child(Child(Child(node, "customer"), "defaultPhoneNumber"), "phoneNumber") is { ValueKind: JsonValueKind.String } p
            ? p.GetString()
            : Text(Child(node, "customer"), "phone");
        return new ShopifyOrder(
            Id: IdFromGid(Text(node, "id")),
            CreatedAt: Time(node, "createdAt"),
            UpdatedAt: Time(node, "updatedAt"),
            FinancialStatus: Text(node, "displayFinancialStatus"),
            FulfillmentStatus: Text(node, "displayFulfillmentStatus"),
            Cancelled: Child(node, "cancelledAt") is { ValueKind: JsonValueKind.String },
            Currency: Text(node, "currencyCode") ?? Text(node, "presentmentCurrencyCode"),
            Phone: NullIfBlank(Text(node, "phone")) ?? NullIfBlank(customerPhone),
            LineItems: lines,
            MoreLineItems: more,
            LineItemsCursor: cursor);
    }

    /// <summary>The line items of a GraphQL <c>LineItemConnection</c>.</summary>
    public static IEnumerable<ShopifyLineItem> LineItemsFromGraphQl(JsonElement connection)
    {
        if (Child(connection, "edges") is not { ValueKind: JsonValueKind.Array } edges)
        {
            yield break;
        }

        foreach (var edge in edges.EnumerateArray())
        {
            if (Child(edge, "node") is not { ValueKind: JsonValueKind.Object } n)
            {
                continue;
            }

            var money = Child(Child(n, "originalUnitPriceSet"), "shopMoney");
            yield return new ShopifyLineItem(
                Id: IdFromGid(Text(n, "id")),
                ProductId: IdFromGid(Text(Child(n, "product"), "id")),
                Sku: NullIfBlank(Text(n, "sku")),
                Title: Text(n, "title"),
                Quantity: Int(n, "quantity"),
                UnitPrice: Money(money, "amount"),
                Currency: Text(money, "currencyCode"));
        }
    }

    /// <summary>hasNextPage and endCursor of a connection.</summary>
    public static (bool HasNextPage, string? EndCursor) PageInfo(JsonElement connection)
    {
        var info = Child(connection, "pageInfo");
        return (Child(info, "hasNextPage") is { ValueKind: JsonValueKind.True }, Text(info, "endCursor"));
    }

    /// <summary>Parses the REST order a webhook (orders/create, orders/updated) carries.</summary>
    public static ShopifyOrder FromRest(JsonElement order)
    {
        var lines = new List<ShopifyLineItem>();
        if (Child(order, "line_items") is { ValueKind: JsonValueKind.Array } items)
        {
            foreach (var li in items.EnumerateArray())
            {
                var shopMoney = Child(Child(li, "price_set"), "shop_money");
                lines.Add(new ShopifyLineItem(
                    Id: Text(li, "id"),
                    ProductId: Text(li, "product_id"),
                    Sku: NullIfBlank(Text(li, "sku")),
                    Title: Text(li, "title") ?? Text(li, "name"),
                    Quantity: Int(li, "quantity"),
                    UnitPrice: Money(li, "price") ?? Money(shopMoney, "amount"),
                    Currency: Text(shopMoney, "currency_code")));
            }
        }

        return new ShopifyOrder(
            Id: Text(order, "id"),
            CreatedAt: Time(order, "created_at"),
            UpdatedAt: Time(order, "updated_at"),
            FinancialStatus: Text(order, "financial_status"),
            FulfillmentStatus: Text(order, "fulfillment_status"),
            Cancelled: Child(order, "cancelled_at") is { ValueKind: JsonValueKind.String },
            Currency: Text(order, "currency"),
            Phone: NullIfBlank(Text(order, "phone")) ?? NullIfBlank(Text(Child(order, "customer"), "phone")),
            LineItems: lines);
    }

    /// <summary>One raw MarketOrder JSON record per line item (not per product: "Panjabi M x1 + Panjabi L x2" is two records).</summary>
    public static IReadOnlyList<byte[]> ToRecords(ShopifyOrder order, string merchantId)
    {
        var status = MapStatus(order.FinancialStatus, order.FulfillmentStatus, order.Cancelled);
        var timestamp = order.CreatedAt ?? order.UpdatedAt;
        var records = new List<byte[]>(order.LineItems.Count);
        foreach (var line in order.LineItems)
        {
            var buffer = new ArrayBufferWriter<byte>(512);
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("platform", Platform);
                WriteIfPresent(w, "order_id", order.Id);
                w.WriteString("merchant_id", merchantId);
                WriteIfPresent(w, "product_id", ProductId(line));
                WriteIfPresent(w, "product_name", line.Title);
                if (line.Quantity is { } q)
                {
                    w.WriteNumber("quantity", q);
                }

                if (line.UnitPrice is { } price)
                {
                    w.WriteNumber("price", price);
                }

                WriteIfPresent(w, "currency", line.Currency ?? order.Currency);
                w.WriteString("order_status", status);
                WriteIfPresent(w, "customer_phone", order.Phone);
                if (timestamp is { } ts)
                {
                    w.WriteString("timestamp", Utc(ts));
                }

                // Two variants of one product are two lines with one product id: the line id keeps both rows apart.
                WriteIfPresent(w, "line_id", line.Id);
                if (order.UpdatedAt is { } updated)
                {
                    w.WriteString("updated_at", Utc(updated));
                }

                w.WriteEndObject();
            }

            records.Add(buffer.WrittenSpan.ToArray());
        }

        return records;
    }

    /// <summary>
    /// The product a line sold: Shopify's product id; a line without one (custom item, deleted product) falls back to its
    /// SKU, then to the line itself, prefixed so the fallbacks never collide with real product ids.
    /// </summary>
    public static string? ProductId(ShopifyLineItem line) =>
        line.ProductId is { Length: > 0 } p ? p
        : line.Sku is { Length: > 0 } sku ? "sku:" + sku
        : line.Id is { Length: > 0 } id ? Contracts.CatalogueRules.CustomLinePrefix + id
        : null;

    /// <summary>
    /// Shopify's financial and fulfilment statuses (GraphQL enums or REST lower-case values) to the contract's
    /// order_status. Money trumps shipping: a refunded or cancelled order is that, whatever was shipped.
    /// </summary>
    public static string MapStatus(string? financial, string? fulfillment, bool cancelled)
    {
        var f = Normalise(financial);
        var s = Normalise(fulfillment);
        if (f == "REFUNDED")
        {
            return "refunded";
        }

        if (cancelled || f == "VOIDED")
        {
            return "cancelled";
        }

        if (f == "EXPIRED")
        {
            return "failed";
        }

        switch (s)
        {
            case "FULFILLED":
                return "fulfilled";
            case "RESTOCKED":
                return "returned";
            case "PARTIALLY_FULFILLED" or "PARTIAL" or "IN_PROGRESS" or "PENDING_FULFILLMENT" or "SCHEDULED" or "ON_HOLD":
                return "processing";
        }

        return f switch
        {
            "PAID" or "PARTIALLY_REFUNDED" => "paid",
            "AUTHORIZED" or "PARTIALLY_PAID" => "confirmed",
            _ => "pending",
        };
    }

    /// <summary><c>gid://shopify/Order/450789469</c> to <c>450789469</c>; anything else unchanged.</summary>
    public static string? IdFromGid(string? gid)
    {
        if (string.IsNullOrWhiteSpace(gid) || !gid.StartsWith("gid://", StringComparison.Ordinal))
        {
            return gid;
        }

        var q = gid.IndexOf('?', StringComparison.Ordinal);
        var path = q >= 0 ? gid[..q] : gid;
        var slash = path.LastIndexOf('/');
        return slash >= 0 && slash < path.Length - 1 ? path[(slash + 1)..] : null;
    }

    private static string Normalise(string? status) =>
        (status ?? "").Trim().ToUpperInvariant().Replace(' ', '_');

    private static string Utc(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static void WriteIfPresent(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static string? NullIfBlank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    private static JsonElement? Child(JsonElement? parent, string name) =>
        parent is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    /// <summary>A string, or a number's exact text (REST ids are numbers).</summary>
    private static string? Text(JsonElement? parent, string name) => Child(parent, name) switch
    {
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { ValueKind: JsonValueKind.Number } n => n.GetRawText(),
        _ => null,
    };

    private static int? Int(JsonElement? parent, string name) =>
        Child(parent, name) is { ValueKind: JsonValueKind.Number } n && n.TryGetInt32(out var i) ? i : null;

    /// <summary>Shopify sends money as a decimal string ("199.50"); tolerate a number too.</summary>
    private static decimal? Money(JsonElement? parent, string name) => Child(parent, name) switch
    {
        { ValueKind: JsonValueKind.String } s when decimal.TryParse(s.GetString(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) => d,
        { ValueKind: JsonValueKind.Number } n when n.TryGetDecimal(out var d) => d,
        _ => null,
    };

    private static DateTimeOffset? Time(JsonElement? parent, string name) =>
        Text(parent, name) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : null;
}
