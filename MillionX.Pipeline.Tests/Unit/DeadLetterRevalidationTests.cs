using System.Security.Cryptography;
using MillionX.Pipeline.DeadLetters;
using MillionX.Pipeline.Privacy;
using MillionX.Pipeline.Sources;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class DeadLetterRevalidationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private static readonly DeadLetterCrypto Crypto = new(new Dictionary<string, byte[]> { ["d1"] = RandomNumberGenerator.GetBytes(32) }, "d1");

    private static DeadLetterRevalidation With(ValidationLimits limits) => new(new SourceGate(new RecordValidator(limits, new FixedClock(Now))), Crypto);

    private static string Order(string price) =>
        $"{{\"platform\":\"shopify\",\"order_id\":\"SH-1\",\"merchant_id\":\"M-7\",\"product_id\":\"P-1\",\"product_name\":\"Shari\",\"quantity\":1,\"price\":{price},\"order_status\":\"paid\",\"timestamp\":\"2026-11-20T10:00:00Z\"}}";

    private static DeadLetterEnvelope Letter(string payload, string sourceTopic = Topics.MarketShopify, DeadLetterCrypto? crypto = null, string? key = null) =>
        DeadLetterPublisher.Build(new RecordContext("ingest", sourceTopic, Key: key is null ? null : Encoding.UTF8.GetBytes(key)), Encoding.UTF8.GetBytes(payload),
            [new("$.price", ReasonCodes.OutOfRange, "too dear")], Now, crypto ?? Crypto);

    [Fact]
    public void Check_LimitRaised_PassesWithCanonicalRecordForSourceTopic()
    {
        var letter = Letter(Order("1250.50"));

        var strict = With(new ValidationLimits { MaxPrice = 1000m }).Check(letter);
        var relaxed = With(new ValidationLimits()).Check(letter);

        Assert.False(strict.Passes);
        Assert.Equal(ReasonCodes.OutOfRange, strict.Reason);
        Assert.True(relaxed.Passes);
        Assert.Equal(Topics.MarketShopify, relaxed.Topic);
        Assert.Equal("SH-1", Encoding.UTF8.GetString(relaxed.Key!));
        var order = JsonSerializer.Deserialize(relaxed.Value, ContractJson.Default.MarketOrder)!;
        Assert.Equal(1250.50m, order.Price);
    }

    [Fact]
    public void Check_WrongKey_LeftAsUndecryptable()
    {
        var other = new DeadLetterCrypto(new Dictionary<string, byte[]> { ["d1"] = RandomNumberGenerator.GetBytes(32) }, "d1");

        var verdict = With(new ValidationLimits()).Check(Letter(Order("10"), crypto: other));

        Assert.False(verdict.Passes);
        Assert.Equal(DeadLetterRevalidation.LeftReasons.Undecryptable, verdict.Reason);
    }

    [Fact]
    public void Check_TruncatedPayload_LeftWithoutValidating()
    {
        var letter = Letter(Order("10")) with { PayloadTruncated = true };

        Assert.Equal(DeadLetterRevalidation.LeftReasons.PayloadTruncated, With(new ValidationLimits()).Check(letter).Reason);
    }

    [Fact]
    public void Check_NoEnvelope_LeftUnreadable()
    {
        Assert.Equal(DeadLetterRevalidation.LeftReasons.UnreadableEnvelope, With(new ValidationLimits()).Check(null).Reason);
    }

    [Fact]
    public void Check_StagePayloadOnSinkTopic_ValidatedAsAnonymisedOrderAndKeyKept()
    {
        const string Fields = "\"merchant_id\":\"M-7\",\"product_name\":\"Shari\",\"currency\":\"BDT\",\"order_status\":\"paid\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"hash_key_id\":\"k1\"";
        var good = "{\"platform\":\"shopify\",\"order_id\":\"SH-1\",\"product_id\":\"P-1\",\"quantity\":1,\"price\":10," + Fields + "}";
        var bad = "{\"platform\":\"shopify\",\"order_id\":\"SH-1\",\"product_id\":\"P-1\",\"quantity\":0,\"price\":10," + Fields + "}";
        var revalidation = With(new ValidationLimits());

        var pass = revalidation.Check(Letter(good, Topics.AnonymisedOrders, key: "SH-1"));
        var fail = revalidation.Check(Letter(bad, Topics.AnonymisedOrders, key: "SH-1"));

        Assert.True(pass.Passes);
        Assert.Equal(Topics.AnonymisedOrders, pass.Topic);
        Assert.Equal("SH-1", Encoding.UTF8.GetString(pass.Key!));
        Assert.Equal(good, Encoding.UTF8.GetString(pass.Value!));
        Assert.False(fail.Passes);
        Assert.Equal(ReasonCodes.OutOfRange, fail.Reason);
    }

    [Fact]
    public void Check_WeatherLetter_PlainTextRevalidated()
    {
        var weather = """{"city":"Dhaka","temperature":31.5,"condition":"Clear","humidity":70,"wind_speed":3.2,"timestamp":"2026-11-24T09:00:00Z"}""";
        var letter = DeadLetterPublisher.Build(new RecordContext("weather", Topics.Weather), Encoding.UTF8.GetBytes(weather), [new("$", ReasonCodes.InvalidValue, "x")], Now);

        var verdict = With(new ValidationLimits()).Check(letter);

        Assert.True(verdict.Passes, string.Join("; ", verdict.Errors.Select(e => e.Message)));
        Assert.Equal(Topics.Weather, verdict.Topic);
    }
}
