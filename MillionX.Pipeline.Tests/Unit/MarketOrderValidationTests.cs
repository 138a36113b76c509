using static MillionX.Pipeline.Tests.Unit.RawRecords;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class MarketOrderValidationTests
{
    private readonly RecordValidator _validator = Validator();

    private (string Path, string Code) SingleProblem(byte[] raw, string? expectedPlatform = null)
    {
        var result = _validator.ValidateMarketOrder(raw, expectedPlatform);
        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        return (error.Path, error.Code);
    }

    private MarketOrder Accepted(byte[] raw, string? expectedPlatform = null)
    {
        var result = _validator.ValidateMarketOrder(raw, expectedPlatform);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        return result.Value!;
    }

    [Fact]
    public void ValidateMarketOrder_ValidRecord_MapsEveryField()
    {
        var order = Accepted(Order(), "shopify");

        Assert.Equal("shopify", order.Platform);
        Assert.Equal("SH-1001", order.OrderId);
        Assert.Equal("M-007", order.MerchantId);
        Assert.Equal("P-1001", order.ProductId);
        Assert.Equal("Jamdani Shari", order.ProductName);
        Assert.Equal(2, order.Quantity);
        Assert.Equal(4500.50m, order.Price);
        Assert.Equal("BDT", order.Currency);
        Assert.Equal("paid", order.OrderStatus);
        Assert.Equal("+8801712345678", order.CustomerPhone);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), order.Timestamp);
        Assert.Equal(TimeSpan.Zero, order.Timestamp.Offset);
    }

    [Theory]
    [InlineData("platform")]
    [InlineData("order_id")]
    [InlineData("merchant_id")]
    [InlineData("product_id")]
    [InlineData("product_name")]
    [InlineData("quantity")]
    [InlineData("price")]
    [InlineData("order_status")]
    [InlineData("timestamp")]
    public void ValidateMarketOrder_RequiredFieldMissing_MissingField(string field)
    {
        Assert.Equal(("$." + field, ReasonCodes.MissingField), SingleProblem(Order((field, null)), "shopify"));
    }

    [Fact]
    public void ValidateMarketOrder_CustomerPhoneMissingOrNull_AcceptedWithoutPhone()
    {
        Assert.Null(Accepted(Order(("customer_phone", null))).CustomerPhone);
        Assert.Null(Accepted(Order(("customer_phone", "null"))).CustomerPhone);
    }

    [Fact]
    public void ValidateMarketOrder_CustomerPhoneWrongTypeOrTooLong_Rejected()
    {
        Assert.Equal(("$.customer_phone", ReasonCodes.WrongType), SingleProblem(Order(("customer_phone", "8801712345678"))));
        Assert.Equal(("$.customer_phone", ReasonCodes.TooLong), SingleProblem(Order(("customer_phone", Str(new string('1', 41))))));
    }

    [Theory]
    [InlineData("platform", "1")]
    [InlineData("order_id", "1001")]
    [InlineData("merchant_id", "[\"M-007\"]")]
    [InlineData("product_id", "{\"id\":\"P\"}")]
    [InlineData("product_name", "false")]
    [InlineData("quantity", "\"2\"")]
    [InlineData("quantity", "2.5")]
    [InlineData("price", "\"4500\"")]
    [InlineData("price", "true")]
    [InlineData("currency", "1")]
    [InlineData("order_status", "{\"unexpected\":true}")]
    public void ValidateMarketOrder_WrongType_WrongType(string field, string value)
    {
        Assert.Equal(("$." + field, ReasonCodes.WrongType), SingleProblem(Order((field, value))));
    }

    [Theory]
    [InlineData("Daraz", "daraz")]
    [InlineData("SHOPIFY", "shopify")]
    public void ValidateMarketOrder_KnownPlatform_NormalisedToLowercase(string given, string expected)
    {
        Assert.Equal(expected, Accepted(Order(("platform", Str(given)))).Platform);
    }

    [Theory]
    [InlineData("tiktok")]
    [InlineData("amazon")]
    public void ValidateMarketOrder_UnknownPlatform_InvalidValue(string platform)
    {
        Assert.Equal(("$.platform", ReasonCodes.InvalidValue), SingleProblem(Order(("platform", Str(platform)))));
    }

    [Fact]
    public void ValidateMarketOrder_PlatformDiffersFromSource_PlatformMismatch()
    {
        Assert.Equal(("$.platform", ReasonCodes.PlatformMismatch), SingleProblem(Order(), "daraz"));
    }

    [Theory]
    [InlineData("order_id", "SH\u200B-1001")]
    [InlineData("order_id", "SH-\u202E1001")]
    [InlineData("merchant_id", "M-\u0001007")]
    [InlineData("product_id", "P-1001\u2069x")]
    [InlineData("product_name", "Jamdani\tShari")]
    public void ValidateMarketOrder_ControlOrInvisibleCharsInIds_InvalidChars(string field, string value)
    {
        Assert.Equal(("$." + field, ReasonCodes.InvalidChars), SingleProblem(Order((field, Str(value)))));
    }

    [Theory]
    [InlineData("order_id", 129)]
    [InlineData("merchant_id", 129)]
    [InlineData("product_id", 129)]
    [InlineData("product_name", 501)]
    public void ValidateMarketOrder_StringOverItsLimit_TooLong(string field, int length)
    {
        Assert.Equal(("$." + field, ReasonCodes.TooLong), SingleProblem(Order((field, Str(new string('x', length))))));
        Assert.True(_validator.ValidateMarketOrder(Order((field, Str(new string('x', length - 1))))).IsValid);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("100000", 100_000)]
    public void ValidateMarketOrder_QuantityInRange_IsAccepted(string value, int expected)
    {
        Assert.Equal(expected, Accepted(Order(("quantity", value))).Quantity);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("100001")]
    [InlineData("2147483648")]
    [InlineData("1e20")]
    public void ValidateMarketOrder_QuantityZeroNegativeOrOverMax_OutOfRange(string value)
    {
        Assert.Equal(("$.quantity", ReasonCodes.OutOfRange), SingleProblem(Order(("quantity", value))));
    }

    [Theory]
    [InlineData("0.01", "0.01")]
    [InlineData("650", "650")]
    [InlineData("100000000", "100000000")]
    [InlineData("1.5e3", "1500")]
    public void ValidateMarketOrder_PriceInRange_IsAccepted(string value, string expected)
    {
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Accepted(Order(("price", value))).Price);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0.0")]
    [InlineData("-0")]
    [InlineData("-1")]
    [InlineData("-4500.50")]
    [InlineData("100000000.01")]
    [InlineData("1e12")]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    public void ValidateMarketOrder_PriceZeroNegativeOrHuge_OutOfRange(string value)
    {
        Assert.Equal(("$.price", ReasonCodes.OutOfRange), SingleProblem(Order(("price", value))));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    public void ValidateMarketOrder_PriceNonFiniteText_NonFinite(string value)
    {
        Assert.Equal(("$.price", ReasonCodes.NonFinite), SingleProblem(Order(("price", Str(value)))));
    }

    [Fact]
    public void ValidateMarketOrder_CurrencyMissingOrNull_DefaultsToBdt()
    {
        Assert.Equal("BDT", Accepted(Order(("currency", null))).Currency);
        Assert.Equal("BDT", Accepted(Order(("currency", "null"))).Currency);
    }

    [Theory]
    [InlineData("bdt", "BDT")]
    [InlineData("usd", "USD")]
    [InlineData("Eur", "EUR")]
    [InlineData(" inr ", "INR")]
    public void ValidateMarketOrder_CurrencyAnyCase_Uppercased(string given, string expected)
    {
        Assert.Equal(expected, Accepted(Order(("currency", Str(given)))).Currency);
    }

    [Theory]
    [InlineData("TK1", ReasonCodes.InvalidValue)]
    [InlineData("B-T", ReasonCodes.InvalidValue)]
    [InlineData("১২৩", ReasonCodes.InvalidValue)]
    [InlineData("TK", ReasonCodes.TooShort)]
    [InlineData("TAKA", ReasonCodes.TooLong)]
    [InlineData("", ReasonCodes.TooShort)]
    public void ValidateMarketOrder_CurrencyNotThreeLetters_Rejected(string currency, string code)
    {
        Assert.Equal(("$.currency", code), SingleProblem(Order(("currency", Str(currency)))));
    }

    [Theory]
    [InlineData("pending")]
    [InlineData("paid")]
    [InlineData("processing")]
    [InlineData("confirmed")]
    [InlineData("shipped")]
    [InlineData("delivered")]
    [InlineData("fulfilled")]
    [InlineData("cancelled")]
    [InlineData("refunded")]
    [InlineData("returned")]
    [InlineData("failed")]
    public void ValidateMarketOrder_KnownOrderStatus_IsAccepted(string status)
    {
        Assert.Equal(status, Accepted(Order(("order_status", Str(status.ToUpperInvariant())))).OrderStatus);
    }

    [Theory]
    [InlineData("lost")]
    [InlineData("canceled ")]
    [InlineData("paid!")]
    public void ValidateMarketOrder_UnknownOrderStatus_InvalidValue(string status)
    {
        Assert.Equal(("$.order_status", ReasonCodes.InvalidValue), SingleProblem(Order(("order_status", Str(status)))));
    }

    [Fact]
    public void ValidateMarketOrder_SeveralProblems_ReportsEveryOneWithItsPath()
    {
        var raw = Order(
            ("order_id", Str("SH\u200B1")),
            ("merchant_id", null),
            ("quantity", "0"),
            ("price", "-1"),
            ("currency", "\"TK1\""),
            ("order_status", "\"lost\""),
            ("timestamp", "\"2003-06-01T00:00:00Z\""));

        var result = _validator.ValidateMarketOrder(raw, "daraz");

        Assert.Equal(
            [
                ("$.platform", ReasonCodes.PlatformMismatch),
                ("$.order_id", ReasonCodes.InvalidChars),
                ("$.merchant_id", ReasonCodes.MissingField),
                ("$.quantity", ReasonCodes.OutOfRange),
                ("$.price", ReasonCodes.OutOfRange),
                ("$.currency", ReasonCodes.InvalidValue),
                ("$.order_status", ReasonCodes.InvalidValue),
                ("$.timestamp", ReasonCodes.TimestampOutOfRange),
            ],
            Problems(result));
        Assert.Equal(8, result.Errors.Count);
        Assert.Equal(ReasonCodes.PlatformMismatch, result.Reason);
    }

    [Fact]
    public void ValidateMarketOrder_LineIdAndUpdatedAt_Mapped()
    {
        var order = Accepted(Order(("line_id", "\"466157049\""), ("updated_at", "\"2026-11-24T15:30:00+06:00\"")), "shopify");

        Assert.Equal("466157049", order.LineId);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 30, 0, TimeSpan.Zero), order.UpdatedAt);
    }

    [Fact]
    public void ValidateMarketOrder_NoLineIdOrUpdatedAt_AcceptedWithout()
    {
        var order = Accepted(Order());

        Assert.Null(order.LineId);
        Assert.Null(order.UpdatedAt);
        Assert.DoesNotContain("line_id", Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(order, ContractJson.Default.MarketOrder)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("updated_at", "\"yesterday\"", ReasonCodes.InvalidTimestamp)]
    [InlineData("line_id", "42", ReasonCodes.WrongType)]
    [InlineData("line_id", "\"\"", ReasonCodes.MissingField)]
    public void ValidateMarketOrder_BadLineIdOrUpdatedAt_Rejected(string field, string value, string code) =>
        Assert.Equal(("$." + field, code), SingleProblem(Order((field, value))));
}
