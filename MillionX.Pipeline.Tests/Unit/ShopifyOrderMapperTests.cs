using MillionX.Pipeline.Sources;
using MillionX.Pipeline.Stages.ShopifySync;
using static MillionX.Pipeline.Tests.Unit.RawRecords;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class ShopifyOrderMapperTests
{
    private readonly SourceGate _gate = new(Validator());

    // An Order node as the GraphQL Admin API returns it for ShopifyQueries.Orders.
    private const string GraphQlOrder = """
        {
          "id": "gid://shopify/Order/5512345678901",
          "name": "#1042",
          "createdAt": "2026-11-20T08:15:30Z",
          "updatedAt": "2026-11-21T10:00:00Z",
          "cancelledAt": null,
          "displayFinancialStatus": "PAID",
          "displayFulfillmentStatus": "UNFULFILLED",
          "currencyCode": "BDT",
          "phone": "+8801712345678",
          "customer": { "defaultPhoneNumber": { "phoneNumber": "+8801811111111" } },
          "lineItems": {
            "pageInfo": { "hasNextPage": false, "endCursor": "eyJsYXN0X2lkIjozfQ==" },
            "edges": [
              { "node": { "id": "gid://shopify/LineItem/111", "title": "Jamdani Shari", "quantity": 2, "sku": "JS-01",
                          "product": { "id": "gid://shopify/Product/9001" },
                          "originalUnitPriceSet": { "shopMoney": { "amount": "4500.50", "currencyCode": "BDT" } } } },
              { "node": { "id": "gid://shopify/LineItem/112", "title": "Cotton Panjabi", "quantity": 1, "sku": null,
                          "product": { "id": "gid://shopify/Product/9002" },
                          "originalUnitPriceSet": { "shopMoney": { "amount": "1850.0", "currencyCode": "BDT" } } } },
              { "node": { "id": "gid://shopify/LineItem/113", "title": "Gift wrapping", "quantity": 3, "sku": "",
                          "product": null,
                          "originalUnitPriceSet": { "shopMoney": { "amount": "50.00", "currencyCode": "BDT" } } } }
            ]
          }
        }
        """;

    private static JsonElement Json(string s)
    {
        using var doc = JsonDocument.Parse(s);
        return doc.RootElement.Clone();
    }

    private MarketOrder Admit(byte[] raw)
    {
        var r = _gate.Admit(SourceKind.Shopify, raw);
        Assert.True(r.Accepted, Encoding.UTF8.GetString(raw) + " -> " + string.Join("; ", r.Errors));
        return JsonSerializer.Deserialize(r.Value!, ContractJson.Default.MarketOrder)!;
    }

    [Fact]
    public void ToRecords_GraphQlOrderWithThreeLines_ThreeValidRecordsWithLineFields()
    {
        var order = ShopifyOrderMapper.FromGraphQl(Json(GraphQlOrder));

        var records = ShopifyOrderMapper.ToRecords(order, "mystore.myshopify.com").Select(Admit).ToList();

        Assert.Equal(3, records.Count);
        Assert.All(records, r =>
        {
            Assert.Equal("shopify", r.Platform);
            Assert.Equal("5512345678901", r.OrderId);
            Assert.Equal("mystore.myshopify.com", r.MerchantId);
            Assert.Equal("paid", r.OrderStatus);
            Assert.Equal("BDT", r.Currency);
            Assert.Equal("+8801712345678", r.CustomerPhone);
            Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 15, 30, TimeSpan.Zero), r.Timestamp);
        });
        Assert.Equal(["9001", "9002", "line:113"], records.Select(r => r.ProductId));
        Assert.Equal(["Jamdani Shari", "Cotton Panjabi", "Gift wrapping"], records.Select(r => r.ProductName));
        Assert.Equal([2, 1, 3], records.Select(r => r.Quantity));
        Assert.Equal([4500.50m, 1850.0m, 50.00m], records.Select(r => r.Price));
    }

    [Fact]
    public void ToRecords_PriceIsAJsonNumberNotAString()
    {
        var raw = ShopifyOrderMapper.ToRecords(ShopifyOrderMapper.FromGraphQl(Json(GraphQlOrder)), "m")[0];

        using var doc = JsonDocument.Parse(raw);
        Assert.Equal(JsonValueKind.Number, doc.RootElement.GetProperty("price").ValueKind);
        Assert.Equal(4500.50m, doc.RootElement.GetProperty("price").GetDecimal());
    }

    [Fact]
    public void FromGraphQl_NoOrderPhone_FallsBackToCustomerPhone()
    {
        var order = ShopifyOrderMapper.FromGraphQl(Json(GraphQlOrder.Replace("\"phone\": \"+8801712345678\"", "\"phone\": null", StringComparison.Ordinal)));

        Assert.Equal("+8801811111111", order.Phone);
    }

    [Fact]
    public void ToRecords_NoPhoneAnywhere_OmitsCustomerPhoneAndStaysValid()
    {
        var json = GraphQlOrder.Replace("\"phone\": \"+8801712345678\"", "\"phone\": null", StringComparison.Ordinal)
            .Replace("{ \"defaultPhoneNumber\": { \"phoneNumber\": \"+8801811111111\" } }", "null", StringComparison.Ordinal);
        var raw = ShopifyOrderMapper.ToRecords(ShopifyOrderMapper.FromGraphQl(Json(json)), "m")[0];

        using var doc = JsonDocument.Parse(raw);
        Assert.False(doc.RootElement.TryGetProperty("customer_phone", out _));
        Assert.Null(Admit(raw).CustomerPhone);
    }

    [Fact]
    public void FromGraphQl_MoreLineItems_ReportsCursorForFollowUp()
    {
        var order = ShopifyOrderMapper.FromGraphQl(Json(GraphQlOrder.Replace("\"hasNextPage\": false", "\"hasNextPage\": true", StringComparison.Ordinal)));

        Assert.True(order.MoreLineItems);
        Assert.Equal("eyJsYXN0X2lkIjozfQ==", order.LineItemsCursor);
        Assert.Equal("gid://shopify/Order/5512345678901", order.Gid);
    }

    [Fact]
    public void FromRest_WebhookPayload_SameRecordsAsGraphQlForTheSameOrder()
    {
        const string rest = """
            {
              "id": 5512345678901, "name": "#1042", "email": "a@b.c",
              "created_at": "2026-11-20T14:15:30+06:00", "updated_at": "2026-11-21T16:00:00+06:00", "cancelled_at": null,
              "financial_status": "paid", "fulfillment_status": null, "currency": "BDT", "phone": "+8801712345678",
              "customer": { "id": 7, "phone": "+8801811111111" },
              "line_items": [
                { "id": 111, "product_id": 9001, "variant_id": 1, "title": "Jamdani Shari", "quantity": 2, "sku": "JS-01", "price": "4500.50" },
                { "id": 112, "product_id": 9002, "variant_id": 2, "title": "Cotton Panjabi", "quantity": 1, "sku": null, "price": "1850.0" },
                { "id": 113, "product_id": null, "variant_id": null, "title": "Gift wrapping", "quantity": 3, "sku": "", "price": "50.00" }
              ]
            }
            """;

        var fromRest = ShopifyOrderMapper.ToRecords(ShopifyOrderMapper.FromRest(Json(rest)), "m").Select(Admit).ToList();
        var fromGraphQl = ShopifyOrderMapper.ToRecords(ShopifyOrderMapper.FromGraphQl(Json(GraphQlOrder)), "m").Select(Admit).ToList();

        Assert.Equal(fromGraphQl, fromRest);
    }

    [Fact]
    public void ToRecords_OrderWithoutLineItems_NoRecords()
    {
        var order = ShopifyOrderMapper.FromRest(Json("""{"id": 1, "created_at": "2026-11-20T08:00:00Z", "line_items": []}"""));

        Assert.Empty(ShopifyOrderMapper.ToRecords(order, "m"));
    }

    [Fact]
    public void ToRecords_LineMissingQuantity_GateDeadLettersItNamingTheField()
    {
        var order = ShopifyOrderMapper.FromRest(Json("""
            {"id": 1, "created_at": "2026-11-20T08:00:00Z", "financial_status": "paid", "currency": "BDT",
             "line_items": [{"id": 5, "product_id": 6, "title": "Shari", "price": "10.00"}]}
            """));

        var result = _gate.Admit(SourceKind.Shopify, ShopifyOrderMapper.ToRecords(order, "m")[0]);

        Assert.False(result.Accepted);
        Assert.Contains(result.Errors, e => e.Path == "$.quantity");
    }

    [Theory]
    [InlineData("PAID", "UNFULFILLED", false, "paid")]
    [InlineData("PAID", "FULFILLED", false, "fulfilled")]
    [InlineData("PAID", "PARTIALLY_FULFILLED", false, "processing")]
    [InlineData("PAID", "IN_PROGRESS", false, "processing")]
    [InlineData("PAID", "RESTOCKED", false, "returned")]
    [InlineData("PENDING", "UNFULFILLED", false, "pending")]
    [InlineData("AUTHORIZED", null, false, "confirmed")]
    [InlineData("PARTIALLY_PAID", null, false, "confirmed")]
    [InlineData("PARTIALLY_REFUNDED", "UNFULFILLED", false, "paid")]
    [InlineData("REFUNDED", "FULFILLED", false, "refunded")]
    [InlineData("VOIDED", null, false, "cancelled")]
    [InlineData("PAID", "UNFULFILLED", true, "cancelled")]
    [InlineData("EXPIRED", null, false, "failed")]
    [InlineData(null, null, false, "pending")]
    [InlineData("paid", "partial", false, "processing")]
    [InlineData("partially_refunded", null, false, "paid")]
    [InlineData("refunded", "fulfilled", true, "refunded")]
    public void MapStatus_ShopifyStatuses_ContractStatus(string? financial, string? fulfillment, bool cancelled, string expected)
    {
        Assert.Equal(expected, ShopifyOrderMapper.MapStatus(financial, fulfillment, cancelled));
    }

    [Fact]
    public void MapStatus_EveryResult_IsInTheContractSet()
    {
        string?[] financial = [null, "PENDING", "AUTHORIZED", "PARTIALLY_PAID", "PAID", "PARTIALLY_REFUNDED", "REFUNDED", "VOIDED", "EXPIRED", "SOMETHING_NEW"];
        string?[] fulfillment = [null, "UNFULFILLED", "FULFILLED", "PARTIALLY_FULFILLED", "IN_PROGRESS", "ON_HOLD", "OPEN", "PENDING_FULFILLMENT", "REQUEST_DECLINED", "RESTOCKED", "SCHEDULED", "FULFILLMENT_NOT_REQUIRED"];
        var allowed = new[] { "pending", "paid", "processing", "confirmed", "shipped", "delivered", "fulfilled", "cancelled", "refunded", "returned", "failed" };
        foreach (var f in financial)
        {
            foreach (var s in fulfillment)
            {
                Assert.Contains(ShopifyOrderMapper.MapStatus(f, s, false), allowed);
                Assert.Contains(ShopifyOrderMapper.MapStatus(f, s, true), allowed);
            }
        }
    }

    [Theory]
    [InlineData("gid://shopify/Order/450789469", "450789469")]
    [InlineData("gid://shopify/Product/1?variant=2", "1")]
    [InlineData("450789469", "450789469")]
    [InlineData("gid://shopify/Order/", null)]
    [InlineData(null, null)]
    public void IdFromGid_Values_NumericIdOrUnchanged(string? gid, string? expected)
    {
        Assert.Equal(expected, ShopifyOrderMapper.IdFromGid(gid));
    }

    [Theory]
    [InlineData("77", "SKU-1", "5", "77")]
    [InlineData(null, "SKU-1", "5", "sku:SKU-1")]
    [InlineData(null, null, "5", "line:5")]
    [InlineData(null, null, null, null)]
    public void ProductId_MissingProduct_FallsBackToSkuThenLine(string? product, string? sku, string? line, string? expected)
    {
        Assert.Equal(expected, ShopifyOrderMapper.ProductId(new ShopifyLineItem(line, product, sku, "t", 1, 1m, "BDT")));
    }
}
