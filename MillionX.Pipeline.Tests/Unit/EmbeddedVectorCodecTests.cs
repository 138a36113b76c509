using MillionX.Pipeline.VectorStore;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class EmbeddedVectorCodecTests
{
    private static VectorRecord Sample(int dims = 384)
    {
        var random = new Random(7);
        var vector = Enumerable.Range(0, dims).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        vector[3] = float.Epsilon;
        vector[4] = -0f;
        return new VectorRecord("7301", "tiktok", "Eid er shari \"notun\" \u09E6\u09E7", "Eid er shari | Product: Jamdani Shari, price 4500 BDT",
            new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.FromHours(6)), 1300, ["#eid", "#sale"], ["P-1"], vector);
    }

    [Fact]
    public void RoundTrip_KeepsEveryPropertyAndEveryBitOfTheVector()
    {
        var record = Sample();
        var back = EmbeddedVectorCodec.Parse(EmbeddedVectorCodec.Serialize(record), 384);

        Assert.Equal(record.PostId, back.PostId);
        Assert.Equal(record.Platform, back.Platform);
        Assert.Equal(record.Content, back.Content);
        Assert.Equal(record.EnrichedContent, back.EnrichedContent);
        Assert.Equal(record.Timestamp, back.Timestamp);
        Assert.Equal(record.Timestamp.Offset, back.Timestamp.Offset);
        Assert.Equal(record.EngagementCount, back.EngagementCount);
        Assert.Equal(record.Hashtags, back.Hashtags);
        Assert.Equal(record.MatchedProductIds, back.MatchedProductIds);
        Assert.Equal(record.Vector.Select(BitConverter.SingleToInt32Bits), back.Vector.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Vector_IsCompactBase64_NotJsonNumbers()
    {
        var bytes = EmbeddedVectorCodec.Serialize(Sample());
        Assert.InRange(bytes.Length, 384 * 4 * 4 / 3, (384 * 4 * 4 / 3) + 400);
    }

    [Theory]
    [InlineData(383)]
    [InlineData(768)]
    public void WrongDimensions_AreRejectedNamingBoth(int dims)
    {
        var ex = Assert.Throws<RecordRejectedException>(() => EmbeddedVectorCodec.Parse(EmbeddedVectorCodec.Serialize(Sample(dims)), 384));
        var error = Assert.Single(ex.Errors);
        Assert.Equal(("$.vector", ReasonCodes.InvalidValue), (error.Path, error.Code));
        Assert.Contains($"{dims} dimensions", error.Message, StringComparison.Ordinal);
        Assert.Contains("384", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void NonFiniteComponents_AreRejected(float bad)
    {
        var record = Sample();
        record.Vector[100] = bad;
        var ex = Assert.Throws<RecordRejectedException>(() => EmbeddedVectorCodec.Parse(EmbeddedVectorCodec.Serialize(record), 384));
        Assert.Equal(ReasonCodes.NonFinite, Assert.Single(ex.Errors).Code);
    }

    [Fact]
    public void MissingFields_AreAllReported()
    {
        var json = "{\"post_id\":\"\",\"content\":\"x\",\"timestamp\":\"yesterday\",\"engagement_count\":-1,\"vector\":\"%%%\"}";
        var ex = Assert.Throws<RecordRejectedException>(() => EmbeddedVectorCodec.Parse(Encoding.UTF8.GetBytes(json), 384));
        Assert.Equal(
            ["$.engagement_count", "$.enriched_content", "$.platform", "$.post_id", "$.timestamp", "$.vector"],
            ex.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("{\"post_id\":")]
    [InlineData("not json")]
    public void MalformedJson_IsRejected(string json)
    {
        var ex = Assert.Throws<RecordRejectedException>(() => EmbeddedVectorCodec.Parse(Encoding.UTF8.GetBytes(json), 384));
        Assert.Equal(ReasonCodes.MalformedJson, Assert.Single(ex.Errors).Code);
    }

    [Theory]
    [InlineData("[1,2,3]")]
    [InlineData("\"a string\"")]
    public void NonObjects_AreRejected(string json)
    {
        var ex = Assert.Throws<RecordRejectedException>(() => EmbeddedVectorCodec.Parse(Encoding.UTF8.GetBytes(json), 384));
        Assert.Equal(ReasonCodes.NotAnObject, Assert.Single(ex.Errors).Code);
    }
}
