using System.Diagnostics;
using System.Runtime.InteropServices;
using DuckDB.NET.Data;

namespace MillionX.Pipeline.VectorStore;

/// <summary>
/// The embedded vector store: a DuckDB table with a FLOAT[dims] column and the plan's properties, upserted by
/// <c>platform:post_id</c> (<see cref="Id"/>: a TikTok and a Facebook post may share a post id). Search is exact
/// top-k by cosine similarity, as DuckDB's array_cosine_similarity computes it (the HNSW extension cannot be installed
/// here): an int8 copy of the vectors in memory (<see cref="QuantisedVectorIndex"/>, loaded on the second search and
/// kept current by this store's upserts) picks the rows whose score bounds can reach the top-k, and DuckDB scores only
/// those, so results and scores are the full scan's. Scanning all 100,000 FLOAT[384] rows in SQL took 170-200 ms a query.
/// <paramref name="memoryLimit"/> is DuckDB's for the file (<see cref="VectorStoreOptions.DuckDbMemoryLimit"/>; null or empty: DuckDB's default).
/// </summary>
public sealed class DuckDbVectorStore(string path, int dimensions, ILogger<DuckDbVectorStore> logger, string? memoryLimit = null) : IVectorStore
{
    /// <summary>Above this many candidates (or a tenth of the rows) DuckDB scans every row instead of matching ids.</summary>
    internal const int FullScanCandidates = 5_000;

    private readonly DuckDbSession _session = new(path, c => Initialise(c, dimensions, logger), memoryLimit);
    private QuantisedVectorIndex? _index; // touched only inside _session's calls
    private int _searched;

    public string Name => "duckdb";

    public Task EnsureSchemaAsync(CancellationToken ct) => _session.RunAsync(_ => { }, ct);

    public async Task UpsertAsync(IReadOnlyList<VectorRecord> records, CancellationToken ct)
    {
        if (records.Count == 0)
        {
            return;
        }

        try
        {
            await _session.RunAsync(connection => Upsert(connection, records), ct);
        }
        catch (DuckDBException ex) when (DuckDbFiles.IsTransient(ex))
        {
            throw new TransientVectorStoreException($"DuckDB vector write failed: {ex.Message}", ex);
        }
    }

    private void Upsert(DuckDBConnection connection, IReadOnlyList<VectorRecord> records)
    {
        // Whole microseconds (DuckDB's TIMESTAMP), so the index's sum of WRITTEN_AT matches the table's.
        var now = DateTime.UtcNow;
        var writtenAt = now.AddTicks(-(now.Ticks % 10));
        // Last one wins within a batch, as it would across batches.
        var latest = records.GroupBy(Id, StringComparer.Ordinal).Select(g => g.Last()).ToList();
        connection.Execute("DELETE FROM STAGE_POST_VECTORS");
        using (var appender = connection.CreateAppender("STAGE_POST_VECTORS"))
        {
            foreach (var r in latest)
            {
                if (r.Vector.Length != dimensions)
                {
                    throw new ArgumentException($"Vector for post {r.PostId} has {r.Vector.Length} dimensions; the store holds {dimensions}.");
                }

                appender.CreateRow().AppendValue(Id(r)).AppendValue(r.PostId).AppendValue(r.Platform).AppendValue(r.Content).AppendValue(r.EnrichedContent)
                    .AppendValue(r.Timestamp.UtcDateTime).AppendValue(r.EngagementCount).AppendValue(r.Hashtags.ToList())
                    .AppendValue(r.MatchedProductIds.ToList()).AppendValue(r.Vector).AppendValue(writtenAt).EndRow();
            }
        }

        connection.Execute("INSERT OR REPLACE INTO POST_VECTORS SELECT * FROM STAGE_POST_VECTORS");
        if (_index is { } index)
        {
            // A write by anyone else since the index was checked leaves its count or sum off the table's: the next search reloads.
            var us = (writtenAt - DateTime.UnixEpoch).Ticks / 10;
            foreach (var r in latest)
            {
                index.Set(Id(r), r.Platform, r.Vector, us);
            }
        }
    }

    public Task<IReadOnlyList<SearchHit>> SearchAsync(float[] query, int top, string? platform, CancellationToken ct) =>
        _session.RunAsync<IReadOnlyList<SearchHit>>(connection =>
        {
            top = Math.Max(1, top);
            if (query.Length != dimensions)
            {
                throw new ArgumentException($"The query has {query.Length} dimensions; the store holds {dimensions}.");
            }

            // A process that searches once (the search command) would pay more for loading the index than for one
            // full scan: the first search scans, the index comes with the second.
            if (_index is null && _searched++ == 0)
            {
                return Hits(connection, query, top, platform, null);
            }

            // One snapshot for the freshness check, a reload and the scoring: a write in between cannot split them.
            using var transaction = connection.BeginTransaction();
            var index = CurrentIndex(connection);
            var candidates = index.Candidates(query, top, platform);
            var hits = candidates is { Count: 0 } ? []
                : Hits(connection, query, top, platform, candidates is null || candidates.Count > Math.Max(FullScanCandidates, index.Count / 10) ? null : candidates);
            transaction.Commit();
            return hits;
        }, ct);

    /// <summary>
    /// Top-k by DuckDB's array_cosine_similarity, ties by post id: of the <paramref name="candidates"/> only (ids the
    /// index says can be in the top-k), or of every row when null (a query the index cannot bound, or too many candidates).
    /// </summary>
    private List<SearchHit> Hits(DuckDBConnection connection, float[] query, int top, string? platform, List<string>? candidates)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT POST_ID, PLATFORM, CONTENT, ENGAGEMENT, TIMESTAMP, array_cosine_similarity(VECTOR, $query::FLOAT[{dimensions}]) AS SCORE
            FROM POST_VECTORS
            WHERE ($platform IS NULL OR PLATFORM = $platform){(candidates is null ? "" : $" AND ID IN ({string.Join(", ", candidates.Select(Literal))})")}
            ORDER BY SCORE DESC, POST_ID
            LIMIT {top.ToString(CultureInfo.InvariantCulture)}
            """;
        command.Parameters.Add(new DuckDBParameter("query", query));
        command.Parameters.Add(new DuckDBParameter("platform", (object?)platform ?? DBNull.Value));

        using var r = command.ExecuteReader();
        var hits = new List<SearchHit>();
        while (r.Read())
        {
            hits.Add(new SearchHit(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3),
                new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(4), DateTimeKind.Utc)), Convert.ToDouble(r.GetValue(5), CultureInfo.InvariantCulture)));
        }

        return hits;
    }

    // Constants, not a list parameter: DuckDB pushes an IN list of constants into the scan of ID as a filter (steadier than = ANY($list) in a test).
    private static string Literal(string id) => "'" + id.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>The same top-k by DuckDB scoring every row, without the index: the bench's reference.</summary>
    internal Task<IReadOnlyList<SearchHit>> FullScanAsync(float[] query, int top, string? platform, CancellationToken ct) =>
        _session.RunAsync<IReadOnlyList<SearchHit>>(connection => Hits(connection, query, Math.Max(1, top), platform, null), ct);

    /// <summary>
    /// The index, loaded on the second search and reloaded whenever the table's row count or sum of WRITTEN_AT differs
    /// from the index's own: every write through any store (this one, another instance, another process) sets
    /// WRITTEN_AT to its time, and this store applies its own upserts to the index as it makes them.
    /// </summary>
    private QuantisedVectorIndex CurrentIndex(DuckDBConnection connection)
    {
        using (var check = connection.CreateCommand())
        {
            check.CommandText = "SELECT count(*), coalesce(sum(epoch_us(WRITTEN_AT)), 0)::HUGEINT FROM POST_VECTORS";
            using var r = check.ExecuteReader();
            r.Read();
            var count = Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture);
            var sum = (Int128)r.GetFieldValue<System.Numerics.BigInteger>(1);
            if (_index is { } current && current.Count == count && current.WrittenAtSum == sum)
            {
                return current;
            }
        }

        var started = Stopwatch.GetTimestamp();
        _index = null;
        var index = new QuantisedVectorIndex(dimensions);
        using (var load = connection.CreateCommand())
        {
            // One column per dimension, read into one buffer: a List<float> a row (what DuckDB.NET gives for the array
            // column) was 1.5 KB of garbage a vector, 150 MB for 100,000, which the GC held on to as committed memory.
            load.CommandText = $"SELECT ID, PLATFORM, epoch_us(WRITTEN_AT), {string.Join(", ", Enumerable.Range(1, dimensions).Select(d => $"VECTOR[{d}]"))} FROM POST_VECTORS";
            // Chunk by chunk: a materialised result would hold every vector in DuckDB's memory once more while the index is built.
            load.UseStreamingMode = true;
            using var r = load.ExecuteReader();
            var vector = new float[dimensions];
            while (r.Read())
            {
                for (int d = 0; d < vector.Length; d++)
                {
                    vector[d] = r.GetFloat(3 + d);
                }

                index.Set(r.GetString(0), r.GetString(1), vector, r.GetInt64(2));
            }
        }

        _index = index;
        logger.LogInformation("Vector store: search index (int8) loaded, {Count} vectors, {MiB:0.0} MiB, {Ms:0} ms",
            index.Count, index.Bytes / 1048576.0, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return index;
    }

    public Task<long> CountAsync(CancellationToken ct) => _session.RunAsync(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM POST_VECTORS";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }, ct);

    /// <summary>A post's key in the store: <c>platform:post_id</c>.</summary>
    public static string Id(VectorRecord r) => $"{r.Platform}:{r.PostId}";

    private static string Create(string table, int dimensions) => $"""
        CREATE TABLE {table} (
            ID VARCHAR PRIMARY KEY, POST_ID VARCHAR NOT NULL, PLATFORM VARCHAR NOT NULL, CONTENT VARCHAR NOT NULL, ENRICHED_CONTENT VARCHAR NOT NULL,
            TIMESTAMP TIMESTAMP NOT NULL, ENGAGEMENT BIGINT NOT NULL, HASHTAGS VARCHAR[] NOT NULL, MATCHED_PRODUCT_IDS VARCHAR[] NOT NULL,
            VECTOR FLOAT[{dimensions}] NOT NULL, WRITTEN_AT TIMESTAMP NOT NULL)
        """;

    private static DuckDBConnection Initialise(DuckDBConnection connection, int dimensions, ILogger logger)
    {
        MigrateToPlatformIds(connection, dimensions, logger);
        connection.Execute(Create("IF NOT EXISTS POST_VECTORS", dimensions));
        connection.Execute("CREATE TEMP TABLE IF NOT EXISTS STAGE_POST_VECTORS AS SELECT * FROM POST_VECTORS LIMIT 0");
        using (var limit = connection.CreateCommand())
        {
            limit.CommandText = "SELECT current_setting('memory_limit')";
            logger.LogInformation("Vector store: DuckDB file {Path}, FLOAT[{Dimensions}], DuckDB memory limit {MemoryLimit}", connection.DataSource, dimensions, limit.ExecuteScalar());
        }
        return connection;
    }

    /// <summary>
    /// A file written when POST_ID alone was the key (a TikTok post could replace a Facebook post of the same id): the
    /// table is rebuilt keyed by <c>platform:post_id</c>, every row kept, in one transaction.
    /// </summary>
    private static void MigrateToPlatformIds(DuckDBConnection connection, int dimensions, ILogger logger)
    {
        using (var check = connection.CreateCommand())
        {
            check.CommandText = """
                SELECT count(*) FILTER (WHERE column_name = 'POST_ID'), count(*) FILTER (WHERE column_name = 'ID')
                FROM information_schema.columns WHERE table_name = 'POST_VECTORS'
                """;
            using var r = check.ExecuteReader();
            r.Read();
            if (Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture) == 0 || Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture) > 0)
            {
                return;
            }
        }

        connection.Execute($"""
            BEGIN TRANSACTION;
            {Create("POST_VECTORS_BY_PLATFORM", dimensions)};
            INSERT INTO POST_VECTORS_BY_PLATFORM SELECT PLATFORM || ':' || POST_ID, * FROM POST_VECTORS;
            DROP TABLE POST_VECTORS;
            ALTER TABLE POST_VECTORS_BY_PLATFORM RENAME TO POST_VECTORS;
            COMMIT;
            """);
        logger.LogInformation("Vector store: POST_VECTORS migrated to ids platform:post_id");
    }

    public async ValueTask DisposeAsync()
    {
        await _session.DisposeAsync();
        _index = null; // its memory goes with the store
    }
}
