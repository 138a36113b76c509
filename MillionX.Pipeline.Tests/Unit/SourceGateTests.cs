using MillionX.Pipeline.Sources;
using static MillionX.Pipeline.Tests.Unit.RawRecords;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class SourceGateTests
{
    private readonly SourceGate _gate = new(Validator());

    private static JsonElement Parse(byte[] value)
    {
        using var doc = JsonDocument.Parse(value);
        return doc.RootElement.Clone();
    }

    private static string[] PropertyNames(JsonElement e) => e.EnumerateObject().Select(p => p.Name).ToArray();

    [Theory]
    [InlineData(SourceKind.Tiktok, "tiktok")]
    [InlineData(SourceKind.Facebook, "facebook")]
    public void Admit_ValidPost_KeyIsPostIdAndValueIsCanonicalSnakeCase(SourceKind kind, string platform)
    {
        var raw = Post(("platform", Str(platform.ToUpperInvariant())), ("post_id", "\"  8812  \""), ("extra_field", "1"));

        var result = _gate.Admit(kind, raw);

        Assert.True(result.Accepted, string.Join("; ", result.Errors));
        Assert.Equal(kind, result.Kind);
        Assert.Empty(result.Errors);
        Assert.Null(result.Reason);
        Assert.Equal("8812", Encoding.UTF8.GetString(result.Key!));
        var json = Parse(result.Value!);
        Assert.Equal(
            ["platform", "post_id", "author_username", "content", "engagement_count", "timestamp", "hashtags", "product_mentions"],
            PropertyNames(json));
        Assert.Equal(platform, json.GetProperty("platform").GetString());
        Assert.Equal("8812", json.GetProperty("post_id").GetString());
        Assert.Equal("shop_dhaka", json.GetProperty("author_username").GetString());
        Assert.Equal("Eid er jonno notun collection eshe geche!", json.GetProperty("content").GetString());
        Assert.Equal(1200, json.GetProperty("engagement_count").GetInt64());
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), json.GetProperty("timestamp").GetDateTimeOffset());
        Assert.Equal(["#dhaka", "#eid"], json.GetProperty("hashtags").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["shari"], json.GetProperty("product_mentions").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Admit_ValidOrderWithoutCurrency_KeyIsOrderIdAndCurrencyDefaultsToBdt()
    {
        var raw = Order(("platform", "\"daraz\""), ("order_id", "\"DZ-77\""), ("currency", null), ("customer_phone", null));

        var result = _gate.Admit(SourceKind.Daraz, raw);

        Assert.True(result.Accepted, string.Join("; ", result.Errors));
        Assert.Equal("DZ-77", Encoding.UTF8.GetString(result.Key!));
        var json = Parse(result.Value!);
        Assert.Equal("BDT", json.GetProperty("currency").GetString());
        Assert.Equal("daraz", json.GetProperty("platform").GetString());
        Assert.Equal("DZ-77", json.GetProperty("order_id").GetString());
        Assert.Equal("M-007", json.GetProperty("merchant_id").GetString());
        Assert.Equal("P-1001", json.GetProperty("product_id").GetString());
        Assert.Equal("Jamdani Shari", json.GetProperty("product_name").GetString());
        Assert.Equal(2, json.GetProperty("quantity").GetInt32());
        Assert.Equal(4500.50m, json.GetProperty("price").GetDecimal());
        Assert.Equal("paid", json.GetProperty("order_status").GetString());
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), json.GetProperty("timestamp").GetDateTimeOffset());
        Assert.False(json.TryGetProperty("customer_phone", out _));
        Assert.False(json.TryGetProperty("CustomerPhone", out _));
    }

    [Fact]
    public void Admit_OrderWithLowercaseCurrencyAndPhone_UppercasedAndPhoneKept()
    {
        var result = _gate.Admit(SourceKind.Shopify, Order(("currency", "\"usd\"")));

        var json = Parse(result.Value!);
        Assert.Equal("USD", json.GetProperty("currency").GetString());
        Assert.Equal("+8801712345678", json.GetProperty("customer_phone").GetString());
    }

    [Fact]
    public void Admit_ValidWeather_KeyIsLowercasedCityAndExtremeFlagComputed()
    {
        var result = _gate.Admit(SourceKind.Weather, Weather(("city", "\"Chittagong\""), ("condition", "\"Heavy Rain\"")));

        Assert.True(result.Accepted, string.Join("; ", result.Errors));
        Assert.Equal("chittagong", Encoding.UTF8.GetString(result.Key!));
        var json = Parse(result.Value!);
        Assert.Equal(
            ["city", "temperature", "condition", "humidity", "wind_speed", "timestamp", "is_extreme_weather"],
            PropertyNames(json));
        Assert.Equal("Chittagong", json.GetProperty("city").GetString());
        Assert.Equal(28.5, json.GetProperty("temperature").GetDouble());
        Assert.Equal(70, json.GetProperty("humidity").GetDouble());
        Assert.Equal(3.2, json.GetProperty("wind_speed").GetDouble());
        Assert.True(json.GetProperty("is_extreme_weather").GetBoolean());
    }

    [Fact]
    public void Admit_NonAsciiContent_KeptExactlyInCanonicalValue()
    {
        const string content = "র\u200D্যাব অফার 👨\u200D👩\u200D👧 \"quoted\" <b>";

        var result = _gate.Admit(SourceKind.Facebook, Post(("platform", "\"facebook\""), ("content", Str(content))));

        Assert.Equal(content, Parse(result.Value!).GetProperty("content").GetString());
    }

    [Theory]
    [InlineData(SourceKind.Tiktok)]
    [InlineData(SourceKind.Shopify)]
    [InlineData(SourceKind.Weather)]
    public void Admit_CanonicalValue_IsAcceptedAgainUnchanged(SourceKind kind)
    {
        var raw = kind switch
        {
            SourceKind.Tiktok => Post(("timestamp", "\"2026-11-24T15:00:00.5+06:00\"")),
            SourceKind.Shopify => Order(("currency", "\"eur\"")),
            _ => Weather(),
        };

        var first = _gate.Admit(kind, raw);
        var second = _gate.Admit(kind, first.Value!);

        Assert.True(second.Accepted, string.Join("; ", second.Errors));
        Assert.Equal(first.Key, second.Key);
        Assert.Equal(first.Value, second.Value);
    }

    [Fact]
    public void Admit_InvalidRecord_NoKeyNoValueAndEveryError()
    {
        var result = _gate.Admit(SourceKind.Shopify, Order(("quantity", "0"), ("price", "-1")));

        Assert.False(result.Accepted);
        Assert.Null(result.Key);
        Assert.Null(result.Value);
        Assert.Equal(ReasonCodes.OutOfRange, result.Reason);
        Assert.Equal(["$.quantity", "$.price"], result.Errors.Select(e => e.Path));
    }

    [Theory]
    [InlineData(SourceKind.Facebook)]
    [InlineData(SourceKind.Daraz)]
    public void Admit_RecordFromOtherPlatformsSource_PlatformMismatch(SourceKind kind)
    {
        var raw = kind == SourceKind.Facebook ? Post() : Order();

        var result = _gate.Admit(kind, raw);

        Assert.False(result.Accepted);
        Assert.Equal(ReasonCodes.PlatformMismatch, result.Reason);
    }

    [Fact]
    public void Admit_OrderSentToSocialSource_Rejected()
    {
        var result = _gate.Admit(SourceKind.Tiktok, Order());

        Assert.False(result.Accepted);
        Assert.Contains(result.Errors, e => e.Path == "$.post_id" && e.Code == ReasonCodes.MissingField);
    }

    [Fact]
    public void Admit_MalformedBytes_RejectedWithParseReason()
    {
        var result = _gate.Admit(SourceKind.Weather, [0x7B, 0xC3, 0x28, 0x7D]);

        Assert.False(result.Accepted);
        Assert.Equal(ReasonCodes.InvalidUtf8, result.Reason);
    }
}
