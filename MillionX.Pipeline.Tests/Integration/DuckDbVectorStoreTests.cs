using Microsoft.Extensions.Logging.Abstractions;
using MillionX.Pipeline.VectorStore;

namespace MillionX.Pipeline.Tests.Integration;

public sealed class DuckDbVectorStoreTests
{
    private static float[] Unit(int seed)
    {
        var rng = new Random(seed);
        var v = Enumerable.Range(0, 384).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }

    private static VectorRecord Record(int i, string platform = "tiktok") => new(
        $"post-{i}", platform, $"content {i}", $"content {i} | Product: Shari", new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero).AddMinutes(i),
        i * 10, ["#eid", $"#t{i}"], i % 2 == 0 ? ["P-1"] : [], Unit(i));

    [Fact]
    public async Task UpsertAndSearch_ExactVectorFirstAndReplayKeepsCount()
    {
        var path = TestConfig.TempDuckDb();
        await using var store = new DuckDbVectorStore(path, 384, NullLogger<DuckDbVectorStore>.Instance);
        await store.EnsureSchemaAsync(CancellationToken.None);
        var records = Enumerable.Range(0, 200).Select(i => Record(i, i % 3 == 0 ? "facebook" : "tiktok")).ToList();
        await store.UpsertAsync(records, CancellationToken.None);
        await store.UpsertAsync(records.Take(50).ToList(), CancellationToken.None);
        Assert.Equal(200, await store.CountAsync(CancellationToken.None));

        var hits = await store.SearchAsync(Unit(42), 5, null, CancellationToken.None);
        Assert.Equal(5, hits.Count);
        Assert.Equal("post-42", hits[0].PostId);
        Assert.InRange(hits[0].Score, 0.9999, 1.0001);
        Assert.True(hits[1].Score < 0.5);
        Assert.Equal(420, hits[0].EngagementCount);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 10, 42, 0, TimeSpan.Zero), hits[0].Timestamp);
        Assert.Equal("facebook", hits[0].Platform);

        var tiktokOnly = await store.SearchAsync(Unit(42), 3, "tiktok", CancellationToken.None);
        Assert.All(tiktokOnly, h => Assert.Equal("tiktok", h.Platform));
        Assert.DoesNotContain(tiktokOnly, h => h.PostId == "post-42");
    }

    [Fact]
    public async Task Upsert_WrongDimensions_Throws()
    {
        await using var store = new DuckDbVectorStore(TestConfig.TempDuckDb(), 384, NullLogger<DuckDbVectorStore>.Instance);
        var bad = Record(1) with { Vector = new float[10] };
        await Assert.ThrowsAsync<ArgumentException>(() => store.UpsertAsync([bad], CancellationToken.None));
    }
}
