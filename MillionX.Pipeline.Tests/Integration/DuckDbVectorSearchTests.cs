using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MillionX.Pipeline.VectorStore;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>The store's search (an int8 index picking the rows DuckDB scores) against a full scan, and its freshness.</summary>
public sealed class DuckDbVectorSearchTests
{
    private static float[] Random384(Random rng) => Enumerable.Range(0, 384).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();

    private static VectorRecord Record(string id, string platform, float[] vector) => new(
        id, platform, $"content {id}", $"content {id}", new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero), id.Length, [], [], vector);

    private static double Cosine(float[] a, float[] b) => Unit.QuantisedVectorIndexTests.Cosine(a, b);

    /// <summary>The query the store ran before the index: DuckDB scores every row (another connection to the same file).</summary>
    private static List<(string PostId, double Score)> FullScan(string path, float[] query, int top, string? platform)
    {
        using var c = new DuckDBConnection($"Data Source={path}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"""
            SELECT POST_ID, array_cosine_similarity(VECTOR, $query::FLOAT[384]) AS SCORE FROM POST_VECTORS
            WHERE $platform IS NULL OR PLATFORM = $platform ORDER BY SCORE DESC, POST_ID LIMIT {top}
            """;
        cmd.Parameters.Add(new DuckDBParameter("query", query));
        cmd.Parameters.Add(new DuckDBParameter("platform", (object?)platform ?? DBNull.Value));
        using var r = cmd.ExecuteReader();
        var hits = new List<(string, double)>();
        while (r.Read())
        {
            hits.Add((r.GetString(0), Convert.ToDouble(r.GetValue(1), CultureInfo.InvariantCulture)));
        }

        return hits;
    }

    private static void Sql(string path, string sql, params DuckDBParameter[] parameters) => DuckDbQuery.Execute(path, sql, parameters);

    [Fact]
    public async Task Search_RandomVectors_SameIdsAndScoresAsFullScanAndBruteForce()
    {
        var path = TestConfig.TempDuckDb();
        var rng = new Random(12);
        var vectors = new Dictionary<string, float[]>();
        var records = new List<VectorRecord>();
        for (int i = 0; i < 6_000; i++)
        {
            // A fifth are near-copies of earlier vectors: near-equal scores are where the bounds matter.
            var v = i % 5 == 4 ? vectors.Values.ElementAt(rng.Next(vectors.Count)).Select(x => x * 2f + (float)(rng.NextDouble() - 0.5) * 0.1f).ToArray() : Random384(rng);
            var platform = i % 3 == 0 ? "facebook" : "tiktok";
            vectors[$"{platform}:p{i}"] = v;
            records.Add(Record($"p{i}", platform, v));
        }

        await using var store = new DuckDbVectorStore(path, 384, NullLogger<DuckDbVectorStore>.Instance);
        await store.UpsertAsync(records, CancellationToken.None);

        for (int q = 0; q < 12; q++)
        {
            var query = q % 2 == 0 ? Random384(rng) : vectors.Values.ElementAt(rng.Next(vectors.Count));
            var platform = q % 4 == 1 ? "facebook" : q % 4 == 3 ? "tiktok" : null;
            var top = q == 5 ? 50 : 10;
            var hits = await store.SearchAsync(query, top, platform, CancellationToken.None);

            // Exactly what DuckDB's full scan returns: ids, order and scores.
            Assert.Equal(FullScan(path, query, top, platform), hits.Select(h => (h.PostId, h.Score)).ToList());

            // And the true cosine top-k (double precision), to float accuracy.
            var reference = vectors.Where(kv => platform is null || kv.Key.StartsWith(platform + ":", StringComparison.Ordinal))
                .Select(kv => (Id: kv.Key, Score: Cosine(query, kv.Value))).OrderByDescending(x => x.Score).Take(top).ToList();
            Assert.Equal(reference.Select(x => x.Id), hits.Select(h => $"{h.Platform}:{h.PostId}"));
            Assert.All(reference.Zip(hits), p => Assert.Equal(p.First.Score, p.Second.Score, 1e-5));
        }

        // A zero query cannot be bounded: the store falls back to the full scan and returns what it returns.
        Assert.Equal(FullScan(path, new float[384], 5, null), (await store.SearchAsync(new float[384], 5, null, CancellationToken.None)).Select(h => (h.PostId, h.Score)).ToList());
    }

    [Fact]
    public async Task Search_WritesBySecondStoreAndOtherConnection_FoundUpdatedAndDeleted()
    {
        var path = TestConfig.TempDuckDb();
        var rng = new Random(4);
        var records = Enumerable.Range(0, 500).Select(i => Record($"p{i}", "tiktok", Random384(rng))).ToList();
        var log = new CountingLogger();
        await using var store = new DuckDbVectorStore(path, 384, log);
        await store.UpsertAsync(records, CancellationToken.None);

        // The first search scores every row in SQL (a one-off search command would not win back a load); the second loads the index.
        Assert.Equal("p6", (await store.SearchAsync(records[6].Vector, 1, null, CancellationToken.None))[0].PostId);
        Assert.Equal(0, log.IndexLoads);
        Assert.Equal("p7", (await store.SearchAsync(records[7].Vector, 1, null, CancellationToken.None))[0].PostId);
        Assert.Equal(1, log.IndexLoads);

        // This store's own upserts go into the loaded index: found, and no reload.
        var own = Random384(rng);
        await store.UpsertAsync([Record("own", "facebook", own), records[8] with { Vector = Random384(rng) }], CancellationToken.None);
        var o = (await store.SearchAsync(own, 1, null, CancellationToken.None))[0];
        Assert.Equal(("own", "facebook"), (o.PostId, o.Platform));
        Assert.NotEqual("p8", (await store.SearchAsync(records[8].Vector, 1, null, CancellationToken.None))[0].PostId);
        Assert.Equal(1, log.IndexLoads);

        // A second store on the same file (as another role or process would be) writes a new vector and replaces p9's.
        var other = Random384(rng);
        var p9 = Random384(rng);
        await using (var second = new DuckDbVectorStore(path, 384, NullLogger<DuckDbVectorStore>.Instance))
        {
            await second.UpsertAsync([Record("other", "tiktok", other), records[9] with { Vector = p9 }], CancellationToken.None);
        }

        var found = await store.SearchAsync(other, 2, "tiktok", CancellationToken.None);
        Assert.Equal("other", found[0].PostId);
        Assert.InRange(found[0].Score, 0.9999, 1.0001);
        Assert.Equal("p9", (await store.SearchAsync(p9, 1, null, CancellationToken.None))[0].PostId);
        Assert.NotEqual("p9", (await store.SearchAsync(records[9].Vector, 1, null, CancellationToken.None))[0].PostId);
        Assert.Equal(2, log.IndexLoads);

        // Plain SQL from another connection: a delete, and an update that sets WRITTEN_AT as every writer must.
        Sql(path, "DELETE FROM POST_VECTORS WHERE ID = 'tiktok:p7'");
        Assert.NotEqual("p7", (await store.SearchAsync(records[7].Vector, 1, null, CancellationToken.None))[0].PostId);
        var moved = Random384(rng);
        Sql(path, "UPDATE POST_VECTORS SET VECTOR = $v::FLOAT[384], WRITTEN_AT = now()::TIMESTAMP WHERE ID = 'tiktok:p10'", new DuckDBParameter("v", moved));
        Assert.Equal("p10", (await store.SearchAsync(moved, 1, null, CancellationToken.None))[0].PostId);
        Assert.Equal(501, await store.CountAsync(CancellationToken.None));
        Assert.Equal(4, log.IndexLoads);
    }

    [Fact]
    public async Task Search_EmptyStore_NoHitsThenFindsTheFirstVector()
    {
        await using var store = new DuckDbVectorStore(TestConfig.TempDuckDb(), 384, NullLogger<DuckDbVectorStore>.Instance);
        var v = Random384(new Random(8));
        Assert.Empty(await store.SearchAsync(v, 10, null, CancellationToken.None));
        Assert.Empty(await store.SearchAsync(v, 10, "tiktok", CancellationToken.None));

        // A quote in an id: the candidates reach DuckDB as SQL string constants.
        await store.UpsertAsync([Record("first'; --", "tiktok", v)], CancellationToken.None);
        Assert.Equal("first'; --", Assert.Single(await store.SearchAsync(v, 10, null, CancellationToken.None)).PostId);
        Assert.Empty(await store.SearchAsync(v, 10, "facebook", CancellationToken.None));
    }

    private sealed class CountingLogger : ILogger<DuckDbVectorStore>
    {
        private int _loads;

        public int IndexLoads => _loads;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (formatter(state, exception).Contains("search index", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _loads);
            }
        }
    }
}
