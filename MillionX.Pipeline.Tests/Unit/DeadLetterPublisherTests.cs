using MillionX.Pipeline.DeadLetters;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class DeadLetterPublisherTests
{
    private static readonly DateTimeOffset FailedAt = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private static readonly RecordContext Context = new(
        Stage: "ingest", SourceTopic: Topics.MarketShopify, Partition: 3, Offset: 1_234, Key: Encoding.UTF8.GetBytes("SH-17"), Origin: "file:orders.jsonl:17", RetryCount: 2);

    private static readonly ValidationError[] Errors =
    [
        new("$.quantity", ReasonCodes.OutOfRange, "'quantity' is 0, allowed 1..100000"),
        new("$.price", ReasonCodes.WrongType, "'price' must be a number"),
    ];

    [Fact]
    public void Build_Utf8Payload_KeptAsText()
    {
        const string text = "{\"product_name\":\"জামদানি শাড়ি\",\"quantity\":0}";
        var payload = Encoding.UTF8.GetBytes(text);

        var envelope = DeadLetterPublisher.Build(Context, payload, Errors, FailedAt);

        Assert.Equal("utf8", envelope.PayloadEncoding);
        Assert.Equal(text, envelope.OriginalPayload);
        Assert.Equal(payload.Length, envelope.PayloadBytes);
        Assert.False(envelope.PayloadTruncated);
        Assert.Equal(payload, DeadLetterPublisher.OriginalBytes(envelope));
    }

    [Fact]
    public void Build_InvalidUtf8Payload_Base64AndRoundTripsExactly()
    {
        byte[] payload = [.. "{\"a\":\""u8, 0xC3, 0x28, 0xFF, 0x00, 0xED, 0xA0, 0x80, .. "\"}"u8];

        var envelope = DeadLetterPublisher.Build(Context, payload, Errors, FailedAt);

        Assert.Equal("base64", envelope.PayloadEncoding);
        Assert.Equal(Convert.ToBase64String(payload), envelope.OriginalPayload);
        Assert.Equal(payload.Length, envelope.PayloadBytes);
        Assert.Equal(payload, DeadLetterPublisher.OriginalBytes(envelope));
    }

    [Fact]
    public void Build_EmptyPayload_EmptyText()
    {
        var envelope = DeadLetterPublisher.Build(Context, [], Errors, FailedAt);

        Assert.Equal("utf8", envelope.PayloadEncoding);
        Assert.Equal("", envelope.OriginalPayload);
        Assert.Equal(0, envelope.PayloadBytes);
        Assert.Empty(DeadLetterPublisher.OriginalBytes(envelope));
    }

    [Fact]
    public void Build_PayloadOverMaxPayloadBytes_TruncatedWithFullSizeKept()
    {
        var payload = new byte[DeadLetterPublisher.MaxPayloadBytes + 1_000];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)('a' + (i % 26));
        }

        var envelope = DeadLetterPublisher.Build(Context, payload, Errors, FailedAt);

        Assert.True(envelope.PayloadTruncated);
        Assert.Equal(payload.Length, envelope.PayloadBytes);
        Assert.Equal("utf8", envelope.PayloadEncoding);
        Assert.Equal(payload.AsSpan(0, DeadLetterPublisher.MaxPayloadBytes).ToArray(), DeadLetterPublisher.OriginalBytes(envelope));
    }

    [Fact]
    public void Build_PayloadExactlyMaxPayloadBytes_NotTruncated()
    {
        var payload = Enumerable.Repeat((byte)'x', DeadLetterPublisher.MaxPayloadBytes).ToArray();

        var envelope = DeadLetterPublisher.Build(Context, payload, Errors, FailedAt);

        Assert.False(envelope.PayloadTruncated);
        Assert.Equal(payload, DeadLetterPublisher.OriginalBytes(envelope));
    }

    [Fact]
    public void Build_TruncatedInvalidPayload_KeptPrefixRoundTrips()
    {
        var payload = new byte[DeadLetterPublisher.MaxPayloadBytes * 2];
        new Random(1).NextBytes(payload);

        var envelope = DeadLetterPublisher.Build(Context, payload, Errors, FailedAt);

        Assert.True(envelope.PayloadTruncated);
        Assert.Equal("base64", envelope.PayloadEncoding);
        Assert.Equal(payload.Length, envelope.PayloadBytes);
        Assert.Equal(payload.AsSpan(0, DeadLetterPublisher.MaxPayloadBytes).ToArray(), DeadLetterPublisher.OriginalBytes(envelope));
    }

    [Fact]
    public void Build_Errors_ReasonIsFirstErrorCodeAndAllErrorsKept()
    {
        var envelope = DeadLetterPublisher.Build(Context, "{}"u8, Errors, FailedAt);

        Assert.Equal(ReasonCodes.OutOfRange, envelope.Reason);
        Assert.Equal(Errors, envelope.Errors);
    }

    [Fact]
    public void Build_NoErrors_ReasonUnknown()
    {
        Assert.Equal("unknown", DeadLetterPublisher.Build(Context, "{}"u8, [], FailedAt).Reason);
    }

    [Fact]
    public void Build_Context_CopiedIntoEnvelope()
    {
        var envelope = DeadLetterPublisher.Build(Context, "{}"u8, Errors, FailedAt);

        Assert.Equal("ingest", envelope.Stage);
        Assert.Equal(Topics.MarketShopify, envelope.SourceTopic);
        Assert.Equal(3, envelope.SourcePartition);
        Assert.Equal(1_234, envelope.SourceOffset);
        Assert.Equal("SH-17", envelope.Key);
        Assert.Equal("file:orders.jsonl:17", envelope.Origin);
        Assert.Equal(2, envelope.RetryCount);
        Assert.Equal(FailedAt, envelope.FailedAt);
    }

    [Fact]
    public void Build_SourceRejectedContext_OptionalFieldsNull()
    {
        var envelope = DeadLetterPublisher.Build(new RecordContext("sample-source", Topics.Weather), "{}"u8, Errors, FailedAt);

        Assert.Null(envelope.SourcePartition);
        Assert.Null(envelope.SourceOffset);
        Assert.Null(envelope.Key);
        Assert.Null(envelope.Origin);
        Assert.Equal(0, envelope.RetryCount);
    }

    [Fact]
    public void Build_EnvelopeSerialized_RoundTripsPayloadAndContext()
    {
        byte[] payload = [0x7B, 0xC3, 0x28, 0x7D];
        var envelope = DeadLetterPublisher.Build(Context, payload, Errors, FailedAt);

        var json = JsonSerializer.SerializeToUtf8Bytes(envelope, ContractJson.Default.DeadLetterEnvelope);
        var back = JsonSerializer.Deserialize(json, ContractJson.Default.DeadLetterEnvelope)!;

        using var doc = JsonDocument.Parse(json);
        Assert.Equal(ReasonCodes.OutOfRange, doc.RootElement.GetProperty("reason").GetString());
        Assert.Equal(Topics.MarketShopify, doc.RootElement.GetProperty("source_topic").GetString());
        Assert.Equal(payload, DeadLetterPublisher.OriginalBytes(back));
        Assert.Equal(envelope.SourceOffset, back.SourceOffset);
        Assert.Equal(envelope.Errors, back.Errors);
    }
}
