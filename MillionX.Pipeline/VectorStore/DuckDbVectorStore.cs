using DuckDB.NET.Data;

namespace MillionX.Pipeline.VectorStore;

/// <summary>
/// The embedded vector store: a DuckDB table with a FLOAT[dims] column and the plan's properties, upserted by
/// <c>platform:post_id</c> (<see cref="Id"/>: a TikTok and a Facebook post may share a post id). Search is exact
/// top-k by cosine similarity (DuckDB's array_cosine_similarity; the HNSW extension cannot be installed here, and exact
/// search over 100k vectors takes about 50 ms).
/// </summary>
public sealed class DuckDbVectorStore(string path, int dimensions, ILogger<DuckDbVectorStore> logger) : IVectorStore
{
    private readonly DuckDbSession _session = new(path, c => Initialise(c, dimensions, logger));

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
        connection.Execute("DELETE FROM STAGE_POST_VECTORS");
        using (var appender = connection.CreateAppender("STAGE_POST_VECTORS"))
        {
            // Last one wins within a batch, as it would across batches.
            foreach (var r in records.GroupBy(Id, StringComparer.Ordinal).Select(g => g.Last()))
            {
                if (r.Vector.Length != dimensions)
                {
                    throw new ArgumentException($"Vector for post {r.PostId} has {r.Vector.Length} dimensions; the store holds {dimensions}.");
                }

                appender.CreateRow().AppendValue(Id(r)).AppendValue(r.PostId).AppendValue(r.Platform).AppendValue(r.Content).AppendValue(r.EnrichedContent)
                    .AppendValue(r.Timestamp.UtcDateTime).AppendValue(r.EngagementCount).AppendValue(r.Hashtags.ToList())
                    .AppendValue(r.MatchedProductIds.ToList()).AppendValue(r.Vector).AppendValue(DateTime.UtcNow).EndRow();
            }
        }

        connection.Execute("INSERT OR REPLACE INTO POST_VECTORS SELECT * FROM STAGE_POST_VECTORS");
    }

    public Task<IReadOnlyList<SearchHit>> SearchAsync(float[] query, int top, string? platform, CancellationToken ct) =>
        _session.RunAsync<IReadOnlyList<SearchHit>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT POST_ID, PLATFORM, CONTENT, ENGAGEMENT, TIMESTAMP, array_cosine_similarity(VECTOR, $query::FLOAT[{dimensions}]) AS SCORE
                FROM POST_VECTORS
                WHERE $platform IS NULL OR PLATFORM = $platform
                ORDER BY SCORE DESC, POST_ID
                LIMIT {Math.Max(1, top).ToString(CultureInfo.InvariantCulture)}
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
        }, ct);

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
        logger.LogInformation("Vector store: DuckDB file {Path}, FLOAT[{Dimensions}]", connection.DataSource, dimensions);
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

    public ValueTask DisposeAsync() => _session.DisposeAsync();
}
