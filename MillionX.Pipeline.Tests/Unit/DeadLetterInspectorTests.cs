using System.Security.Cryptography;
using MillionX.Pipeline.DeadLetters;
using MillionX.Pipeline.Privacy;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class DeadLetterInspectorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private static readonly DeadLetterCrypto Crypto = new(new Dictionary<string, byte[]> { ["d1"] = RandomNumberGenerator.GetBytes(32) }, "d1");
    private static readonly PiiHasher Hasher = new(RandomNumberGenerator.GetBytes(32), "k1");
    private static readonly DeadLetterInspector Inspector = new(Crypto, new DeadLetterMasking(new PiiScrubber(Hasher)));

    private static DeadLetterRecord Letter(int offset, string stage, string reason, string payload, string topic = Topics.DeadLettersMarket, DeadLetterCrypto? crypto = null, string? origin = null) =>
        new(topic, 0, offset, null, DeadLetterPublisher.Build(new RecordContext(stage, Topics.MarketShopify, Origin: origin), Encoding.UTF8.GetBytes(payload),
            [new("$.x", reason, "broken")], Now, crypto ?? Crypto));

    [Fact]
    public void Inspect_CountsByTopicStageReason_SamplesPerReasonCapped()
    {
        var letters = Enumerable.Range(0, 5).Select(i => Letter(i, "ingest", ReasonCodes.OutOfRange, "{}"))
            .Append(Letter(5, "privacy-shield", ReasonCodes.OutOfRange, "{}"))
            .Append(Letter(6, "ingest", ReasonCodes.MalformedJson, "{"))
            .Append(new DeadLetterRecord(Topics.DeadLettersWeather, 1, 9, null, null));

        var report = Inspector.Inspect(letters, reason: null, samplesPerReason: 2);

        Assert.Equal(8, report.Read);
        Assert.Equal(8, report.Matched);
        Assert.Equal(
            [(Topics.DeadLettersMarket, "ingest", "malformed_json", 1L), (Topics.DeadLettersMarket, "ingest", "out_of_range", 5L),
             (Topics.DeadLettersMarket, "privacy-shield", "out_of_range", 1L), (Topics.DeadLettersWeather, "unknown", "unreadable_envelope", 1L)],
            report.Counts.Select(c => (c.Topic, c.Stage, c.Reason, c.Count)));
        Assert.Equal(2, report.Samples.Count(s => s.Reason == "out_of_range"));
        Assert.Single(report.Samples, s => s.Reason == "malformed_json");
        Assert.Equal("(not a dead-letter envelope)", Assert.Single(report.Samples, s => s.Reason == "unreadable_envelope").MaskedPayload);
    }

    [Fact]
    public void Inspect_ErrorMessageQuotingAPhoneAndAnEmail_IsMaskedLikeThePayload()
    {
        var envelope = DeadLetterPublisher.Build(new RecordContext("ingest", Topics.MarketShopify), "{}"u8.ToArray(),
            [new("$.customer_phone", ReasonCodes.InvalidValue, "'01712-345678' is not valid; ask rahim.uddin@example.com")], Now, Crypto);

        var sample = Assert.Single(Inspector.Inspect([new DeadLetterRecord(Topics.DeadLettersMarket, 0, 0, null, envelope)], null, 1).Samples);

        var message = Assert.Single(sample.Errors).Message;
        Assert.DoesNotContain("345678", message, StringComparison.Ordinal);
        Assert.DoesNotContain("rahim.uddin", message, StringComparison.Ordinal);
        Assert.Contains("PHONE_k1_", message, StringComparison.Ordinal);
        Assert.Contains("EMAIL_k1_", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_ReasonFilter_CountsOnlyThatReason()
    {
        var report = Inspector.Inspect([Letter(0, "ingest", ReasonCodes.OutOfRange, "{}"), Letter(1, "ingest", ReasonCodes.TooShort, "{}")], ReasonCodes.TooShort, 0);

        Assert.Equal(2, report.Read);
        Assert.Equal(1, report.Matched);
        Assert.Equal("too_short", Assert.Single(report.Counts).Reason);
        Assert.Empty(report.Samples);
    }

    [Fact]
    public void Inspect_LetterEncryptedWithAnotherKey_SaysSoAndShowsNothing()
    {
        var other = new DeadLetterCrypto(new Dictionary<string, byte[]> { ["d0"] = RandomNumberGenerator.GetBytes(32) }, "d0");

        var sample = Assert.Single(Inspector.Inspect([Letter(0, "ingest", ReasonCodes.OutOfRange, "{\"customer_phone\":\"01712345678\"}", crypto: other)], null, 1).Samples);

        Assert.StartsWith("(cannot decrypt", sample.MaskedPayload, StringComparison.Ordinal);
        Assert.Contains("'d0'", sample.MaskedPayload, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_OriginWithContact_Masked()
    {
        var sample = Assert.Single(Inspector.Inspect([Letter(0, "ingest", ReasonCodes.OutOfRange, "{}", origin: "tiktok:eid:https://example.test/@rahim_99")], null, 1).Samples);

        Assert.Equal("tiktok:eid:https://example.test/USER_" + Hasher.HashUser("rahim_99"), sample.Origin);
    }
}
