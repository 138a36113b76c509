using DuckDB.NET.Data;
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

    [Fact]
    public async Task Upsert_SamePostIdOnTwoPlatforms_BothKept()
    {
        var path = TestConfig.TempDuckDb();
        await using (var store = new DuckDbVectorStore(path, 384, NullLogger<DuckDbVectorStore>.Instance))
        {
            await store.UpsertAsync([Record(7, "tiktok"), Record(7, "facebook") with { Content = "facebook 7" }], CancellationToken.None);
            Assert.Equal(2, await store.CountAsync(CancellationToken.None));
        }

        Assert.Equal(["facebook:post-7|facebook 7", "tiktok:post-7|content 7"], DuckDbQuery.Column(path, "select ID || '|' || CONTENT from POST_VECTORS order by ID"));
    }

    [Fact]
    public async Task Start_FileKeyedByPostIdAlone_RowsRewrittenToPlatformIdsAndSearchable()
    {
        var path = TestConfig.TempDuckDb();
        DuckDbQuery.Execute(path, """
            CREATE TABLE POST_VECTORS (
                POST_ID VARCHAR PRIMARY KEY, PLATFORM VARCHAR NOT NULL, CONTENT VARCHAR NOT NULL, ENRICHED_CONTENT VARCHAR NOT NULL,
                TIMESTAMP TIMESTAMP NOT NULL, ENGAGEMENT BIGINT NOT NULL, HASHTAGS VARCHAR[] NOT NULL, MATCHED_PRODUCT_IDS VARCHAR[] NOT NULL,
                VECTOR FLOAT[384] NOT NULL, WRITTEN_AT TIMESTAMP NOT NULL);
            INSERT INTO POST_VECTORS VALUES ('post-7', 'tiktok', 'old tiktok 7', 'old tiktok 7', TIMESTAMP '2026-11-20 10:07:00', 70,
                ['#eid'], [], $v::FLOAT[384], TIMESTAMP '2026-11-20 11:00:00');
            """, new DuckDBParameter("v", Unit(7)));

        await using (var store = new DuckDbVectorStore(path, 384, NullLogger<DuckDbVectorStore>.Instance))
        {
            // The migrated row is found under its new id; the same post id on Facebook is another row.
            await store.UpsertAsync([Record(7, "facebook")], CancellationToken.None);
            var hits = await store.SearchAsync(Unit(7), 2, "tiktok", CancellationToken.None);
            Assert.Equal(("post-7", "old tiktok 7"), (hits[0].PostId, hits[0].Content));
            await store.UpsertAsync([Record(7, "tiktok")], CancellationToken.None);
            Assert.Equal(2, await store.CountAsync(CancellationToken.None));
        }

        Assert.Equal(["facebook:post-7|content 7", "tiktok:post-7|content 7"], DuckDbQuery.Column(path, "select ID || '|' || CONTENT from POST_VECTORS order by ID"));
    }
}
