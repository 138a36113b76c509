using System.Text.Json;

namespace MillionX.Pipeline.Tests.Unit;

/// <summary>
/// The one-pass order reader must give exactly what System.Text.Json gives for the privacy shield's output, and step
/// aside (null, so the serializer decides) for anything else.
/// </summary>
public sealed class AnonymisedOrderReaderTests
{
    private static readonly string[] Texts =
    [
        "Jamdani Shari", "জামদানি শাড়ি", "Panjabi \"Eid\" special", "back\\slash", "tab\there", "emoji 🎉 offer", "line\nbreak", "", " ",
        "<script>", "১০০% cotton", "\u0001control",
    ];

    private static AnonymisedOrder RandomOrder(Random random) => new()
    {
        Platform = random.Next(2) == 0 ? "shopify" : "daraz",
        OrderId = $"SH-{random.Next(1_000_000)}",
        MerchantId = Texts[random.Next(Texts.Length)] + random.Next(100),
        ProductId = $"P-{random.Next(5000)}",
        ProductName = Texts[random.Next(Texts.Length)] + " " + Texts[random.Next(Texts.Length)],
        Quantity = random.Next(-2, 1000),
        Price = Math.Round((decimal)random.NextDouble() * 100_000m, random.Next(0, 5)),
        Currency = "BDT",
        OrderStatus = random.Next(3) switch { 0 => "paid", 1 => "pending", _ => "refunded" },
        CustomerPhoneHash = random.Next(3) == 0 ? null : "k1_" + Convert.ToHexString(BitConverter.GetBytes(random.NextInt64())).ToLowerInvariant(),
        Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(random.Next(3) == 0 ? 6 : 0)).AddTicks(random.NextInt64(TimeSpan.TicksPerDay * 300)),
        HashKeyId = "k" + random.Next(3),
        LineId = random.Next(3) == 0 ? "" : $"L{random.Next(10)}",
        UpdatedAt = random.Next(2) == 0 ? null : new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero).AddSeconds(random.Next(1_000_000)),
    };

    [Fact]
    public void TryRead_ThePrivacyShieldsOutput_SameAsTheSerializer()
    {
        var random = new Random(12);
        for (var i = 0; i < 2_000; i++)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(RandomOrder(random), ContractJson.Default.AnonymisedOrder);
            var expected = JsonSerializer.Deserialize(json, ContractJson.Default.AnonymisedOrder)!;
            var read = AnonymisedOrderReader.TryRead(json);
            Assert.NotNull(read);
            Assert.Equal(expected, read);
            Assert.Equal(expected.Timestamp.Offset, read.Timestamp.Offset);
            Assert.Equal(expected.UpdatedAt?.Offset, read.UpdatedAt?.Offset);
            Assert.Equal(expected.Price.Scale, read.Price.Scale);
        }
    }

    /// <summary>A record written by hand: other property order, white space, escapes in values, an explicit null phone.</summary>
    [Fact]
    public void TryRead_HandWrittenOrder_SameAsTheSerializer()
    {
        var json = """
            { "timestamp": "2026-11-20T10:00:00+06:00", "quantity": 2, "price": 4500.50, "platform": "daraz", "order_id": "D-1",
              "merchant_id": "M\u0041", "product_id": "P-1", "product_name": "Jamdani \"Shari\"", "currency": "BDT",
              "order_status": "paid", "customer_phone_hash": null, "hash_key_id": "k1" }
            """u8.ToArray();
        var read = AnonymisedOrderReader.TryRead(json);
        Assert.NotNull(read);
        Assert.Equal(JsonSerializer.Deserialize(json, ContractJson.Default.AnonymisedOrder), read);
        Assert.Equal("MA", read.MerchantId);
        Assert.Null(read.LineId); // absent: null, as the serializer leaves it
        Assert.Equal("", Warehouse.OrderRow.From(read, DateTime.UtcNow).LineId);
    }

    /// <summary>An unknown property: the serializer ignores it.</summary>
    private const string UnknownProperty = """{"platform":"daraz","order_id":"D-1","merchant_id":"M","product_id":"P","product_name":"N","quantity":1,"price":1,"currency":"BDT","order_status":"paid","timestamp":"2026-11-20T10:00:00Z","hash_key_id":"k1","extra":{"a":[1]}}""";

    public static TheoryData<string> NotForTheFastPath => new()
    {
        UnknownProperty,
        // A property twice.
        """{"platform":"daraz","platform":"shopify","order_id":"D-1","merchant_id":"M","product_id":"P","product_name":"N","quantity":1,"price":1,"currency":"BDT","order_status":"paid","timestamp":"2026-11-20T10:00:00Z","hash_key_id":"k1"}""",
        // An escaped property name.
        """{"pl\u0061tform":"daraz","order_id":"D-1","merchant_id":"M","product_id":"P","product_name":"N","quantity":1,"price":1,"currency":"BDT","order_status":"paid","timestamp":"2026-11-20T10:00:00Z","hash_key_id":"k1"}""",
        // A required property missing (hash_key_id).
        """{"platform":"daraz","order_id":"D-1","merchant_id":"M","product_id":"P","product_name":"N","quantity":1,"price":1,"currency":"BDT","order_status":"paid","timestamp":"2026-11-20T10:00:00Z"}""",
        // A required string as JSON null.
        """{"platform":null,"order_id":"D-1","merchant_id":"M","product_id":"P","product_name":"N","quantity":1,"price":1,"currency":"BDT","order_status":"paid","timestamp":"2026-11-20T10:00:00Z","hash_key_id":"k1"}""",
        // A number as a string, a fraction where an integer goes, a number too large.
        """{"platform":"daraz","order_id":"D-1","merchant_id":"M","product_id":"P","product_name":"N","quantity":"1","price":1,"currency":"BDT","order_status":"paid","timestamp":"2026-11-20T10:00:00Z","hash_key_id":"k1"}""",
        """{"platform":"daraz","order_id":"D-1","merchant_id":"M","product_id":"P","product_name":"N","quantity":1.5,"price":1,"currency":"BDT","order_status":"paid","timestamp":"2026-11-20T10:00:00Z","hash_key_id":"k1"}""",
        """{"platform":"daraz","order_id":"D-1","merchant_id":"M","product_id":"P","product_name":"N","quantity":1,"price":1e40,"currency":"BDT","order_status":"paid","timestamp":"2026-11-20T10:00:00Z","hash_key_id":"k1"}""",
        // A date that is not one; a line id as null.
        """{"platform":"daraz","order_id":"D-1","merchant_id":"M","product_id":"P","product_name":"N","quantity":1,"price":1,"currency":"BDT","order_status":"paid","timestamp":"yesterday","hash_key_id":"k1"}""",
        """{"platform":"daraz","order_id":"D-1","merchant_id":"M","product_id":"P","product_name":"N","quantity":1,"price":1,"currency":"BDT","order_status":"paid","timestamp":"2026-11-20T10:00:00Z","hash_key_id":"k1","line_id":null}""",
        // Not an object, trailing content, malformed, empty.
        "null", "[]", """{"platform":"daraz"} {}""", """{"platform":""", "",
    };

    [Theory]
    [MemberData(nameof(NotForTheFastPath))]
    public void TryRead_AnythingElse_LeftToTheSerializer(string json) =>
        Assert.Null(AnonymisedOrderReader.TryRead(Encoding.UTF8.GetBytes(json)));

    /// <summary>What the reader leaves is still parsed: an unknown property is ignored, as before.</summary>
    [Fact]
    public void ParseOrder_UnknownProperty_StillParsedByTheSerializer()
    {
        var order = AnonymisedParsing.ParseOrder(Encoding.UTF8.GetBytes(UnknownProperty));
        Assert.Equal("D-1", order.OrderId);
        var bad = Assert.Throws<RecordRejectedException>(() => AnonymisedParsing.ParseOrder(Encoding.UTF8.GetBytes("""{"platform":""")));
        Assert.Contains(bad.Errors, e => e.Code == ReasonCodes.MalformedJson);
    }

    /// <summary>
    /// Invalid UTF-8 inside a string value: the reader throws InvalidOperationException from GetString, which the
    /// serializer turns into a JsonException. The record must still be rejected (dead-lettered) as malformed JSON, never
    /// fail the stage.
    /// </summary>
    [Fact]
    public void ParseOrder_InvalidUtf8InAValue_RejectedAsMalformedJson()
    {
        var json = Encoding.UTF8.GetBytes(UnknownProperty.Replace("\"product_name\":\"N\"", "\"product_name\":\"N\u00ff\"", StringComparison.Ordinal));
        var at = Array.IndexOf(json, (byte)0xC3);
        Assert.True(at > 0);
        json[at] = 0xFF; // a lone 0xFF byte is never UTF-8
        Assert.Null(AnonymisedOrderReader.TryRead(json));
        var bad = Assert.Throws<RecordRejectedException>(() => AnonymisedParsing.ParseOrder(json));
        Assert.Contains(bad.Errors, e => e.Code == ReasonCodes.MalformedJson);
    }
}
