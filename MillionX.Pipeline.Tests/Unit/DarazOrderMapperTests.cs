using MillionX.Pipeline.Stages.DarazSync;
using static MillionX.Pipeline.Tests.Unit.RawRecords;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class DarazOrderMapperTests
{
    private readonly RecordValidator _validator = Validator();

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static JsonElement Order(string createdAt = "2026-11-20 10:00:00 +0600", string status = "pending", string billingPhone = "01712345678", string shippingPhone = "01800000000") => Json($$"""
        {"order_id": 710000017, "order_number": 810000017, "created_at": "{{createdAt}}", "updated_at": "2026-11-21 09:00:00 +0600",
         "price": "4550.00", "statuses": ["{{status}}"],
         "address_billing": {"first_name": "Rahim", "phone": "{{billingPhone}}"},
         "address_shipping": {"first_name": "Rahim", "phone": "{{shippingPhone}}"} }
        """);

    private static JsonElement Item(long id, string sku, string price = "1850.00", string status = "pending", string name = "Cotton Panjabi", string? currency = "BDT") => Json($$"""
        {"order_item_id": {{id}}, "order_id": 710000017, "name": "{{name}}", "sku": "{{sku}}", "shop_sku": "{{sku}}_BD-1",
         "item_price": "{{price}}", "paid_price": "{{price}}", {{(currency is null ? "" : $"\"currency\": \"{currency}\",")}} "status": "{{status}}"}
        """);

    private List<MarketOrder> Accepted(IReadOnlyList<byte[]> raws) => raws.Select(raw =>
    {
        var r = _validator.ValidateMarketOrder(raw, "daraz");
        Assert.True(r.IsValid, string.Join("; ", r.Errors));
        return r.Value!;
    }).ToList();

    [Theory]
    [InlineData("unpaid", "pending")]
    [InlineData("pending", "pending")]
    [InlineData("topack", "processing")]
    [InlineData("packed", "processing")]
    [InlineData("ready_to_ship", "processing")]
    [InlineData("Ready To Ship", "processing")]
    [InlineData("shipped", "shipped")]
    [InlineData("delivered", "delivered")]
    [InlineData("confirmed", "confirmed")]
    [InlineData("canceled", "cancelled")]
    [InlineData("returned", "returned")]
    [InlineData("shipped_back", "returned")]
    [InlineData("failed", "failed")]
    [InlineData("failed_delivery", "failed")]
    [InlineData("lost_by_3pl", "failed")]
    [InlineData("refunded", "refunded")]
    public void MapStatus_DarazStatus_ContractStatus(string daraz, string expected) => Assert.Equal(expected, DarazOrderMapper.MapStatus(daraz));

    [Fact]
    public void MapStatus_UnknownStatus_PassedOnUnmappedSoValidationRejectsIt()
    {
        var raw = DarazOrderMapper.Map(Order(status: "in_limbo"), [Item(1, "SKU-A", status: "in_limbo")], "M-1");
        var r = _validator.ValidateMarketOrder(Assert.Single(raw), "daraz");
        Assert.False(r.IsValid);
        Assert.Equal("$.order_status", Assert.Single(r.Errors).Path);
    }

    [Theory]
    [InlineData("2026-11-20 10:00:00 +0600", "2026-11-20T10:00:00+06:00")]
    [InlineData("2026-11-20T10:00:00+06:00", "2026-11-20T10:00:00+06:00")]
    [InlineData("2026-11-20 10:00:00", "2026-11-20T10:00:00+06:00")]
    [InlineData("2026-11-20T04:00:00Z", "2026-11-20T04:00:00+00:00")]
    [InlineData("2026-11-20 10:00:00 -0530", "2026-11-20T10:00:00-05:30")]
    [InlineData(" 2026-11-20 10:00:00.250 +0600 ", "2026-11-20T10:00:00.250+06:00")]
    public void NormaliseTimestamp_DarazForms_Rfc3339WithOffset(string daraz, string expected) =>
        Assert.Equal(expected, DarazOrderMapper.NormaliseTimestamp(daraz));

    [Theory]
    [InlineData("")]
    [InlineData("20/11/2026 10:00")]
    [InlineData("2026-13-40 10:00:00 +0600")]
    [InlineData("2026-11-20")]
    public void NormaliseTimestamp_NotADateTime_Null(string text) => Assert.Null(DarazOrderMapper.NormaliseTimestamp(text));

    [Fact]
    public void Map_OneRowPerUnit_OneLinePerSkuWithQuantityAndEveryField()
    {
        var raw = DarazOrderMapper.Map(Order(), [Item(1, "P-1002"), Item(2, "P-1002"), Item(3, "P-1001", "850.50", name: "Jamdani Shari")], "M-042");

        var lines = Accepted(raw);
        Assert.Equal(2, lines.Count);
        var panjabi = lines.Single(l => l.ProductId == "P-1002");
        Assert.Equal("daraz", panjabi.Platform);
        Assert.Equal("710000017", panjabi.OrderId);
        Assert.Equal("M-042", panjabi.MerchantId);
        Assert.Equal("Cotton Panjabi", panjabi.ProductName);
        Assert.Equal(2, panjabi.Quantity);
        Assert.Equal(1850m, panjabi.Price);
        Assert.Equal("BDT", panjabi.Currency);
        Assert.Equal("pending", panjabi.OrderStatus);
        Assert.Equal("01712345678", panjabi.CustomerPhone);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 4, 0, 0, TimeSpan.Zero), panjabi.Timestamp);
        var shari = lines.Single(l => l.ProductId == "P-1001");
        Assert.Equal(1, shari.Quantity);
        Assert.Equal(850.50m, shari.Price);
        Assert.Equal("Jamdani Shari", shari.ProductName);

        using var doc = JsonDocument.Parse(raw[0]);
        Assert.Equal("2026-11-20T10:00:00+06:00", doc.RootElement.GetProperty("timestamp").GetString());
    }

    [Fact]
    public void Map_UnitsOfOneSkuInDifferentStatuses_LineTakesTheMajorityStatus()
    {
        var raw = DarazOrderMapper.Map(Order(status: "shipped"),
            [Item(1, "A", status: "canceled"), Item(2, "A", status: "shipped"), Item(3, "A", status: "shipped")], "M-1");
        var line = Assert.Single(Accepted(raw));
        Assert.Equal(3, line.Quantity);
        Assert.Equal("shipped", line.OrderStatus);
    }

    [Fact]
    public void Map_ItemsWithoutStatusOrCurrency_UseOrderStatusAndBdt()
    {
        var item = Json("""{"order_item_id": 9, "order_id": 710000017, "name": "Hijab Set", "sku": "P-1010", "item_price": 650}""");
        var line = Assert.Single(Accepted(DarazOrderMapper.Map(Order(status: "delivered"), [item], "M-1")));
        Assert.Equal("delivered", line.OrderStatus);
        Assert.Equal("BDT", line.Currency);
        Assert.Equal(650m, line.Price);
    }

    [Fact]
    public void Map_NoBillingPhone_UsesShippingPhone()
    {
        var line = Assert.Single(Accepted(DarazOrderMapper.Map(Order(billingPhone: ""), [Item(1, "A")], "M-1")));
        Assert.Equal("01800000000", line.CustomerPhone);
    }

    [Fact]
    public void Map_CreatedAtNotATime_PassedOnSoValidationRejectsIt()
    {
        var raw = Assert.Single(DarazOrderMapper.Map(Order(createdAt: "yesterday"), [Item(1, "A")], "M-1"));
        var r = _validator.ValidateMarketOrder(raw, "daraz");
        Assert.False(r.IsValid);
        Assert.Equal(("$.timestamp", ReasonCodes.InvalidTimestamp), (Assert.Single(r.Errors).Path, r.Errors[0].Code));
    }

    [Fact]
    public void Map_ItemWithoutSku_FallsBackToPlatformIds()
    {
        var item = Json("""{"order_item_id": 9, "order_id": 710000017, "name": "Kids Sneakers", "sku_id": 12000456, "item_price": "990.00", "status": "pending"}""");
        var line = Assert.Single(Accepted(DarazOrderMapper.Map(Order(), [item], "M-1")));
        Assert.Equal("12000456", line.ProductId);
    }
}
