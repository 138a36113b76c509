using System.Diagnostics;
using Prometheus;

namespace MillionX.Pipeline.Warehouse.Snowflake;

/// <summary>
/// Snowflake through the SQL API: each table's rows of a batch become a few MERGE statements (chunked under the
/// statement limits), never one statement per row. MERGE on the natural keys makes a replayed batch change nothing.
/// </summary>
public sealed class SnowflakeWarehouseWriter(
    SnowflakeSqlApiClient client, SnowflakeOptions options, SnowflakeCostMeter cost, ILogger<SnowflakeWarehouseWriter> logger, Privacy.PrivacyKeys? keys = null)
    : IWarehouseWriter
{
    private static readonly Gauge CostPerDay = Metrics.CreateGauge(
        "millionx_snowflake_estimated_cost_usd_per_day", "Estimated Snowflake spend per day, from the last hour of load statements.");

    private static readonly Counter CostTotal = Metrics.CreateCounter(
        "millionx_snowflake_estimated_cost_usd_total", "Estimated Snowflake spend of the load statements since start.");

    public string Name => "snowflake";

    /// <summary>
    /// Creates the schema, brings tables of an earlier layout to the plan's (<see cref="SnowflakeSchemaMigration"/>),
    /// then runs the DDL, which creates what is missing.
    /// </summary>
    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        await Run($"CREATE SCHEMA IF NOT EXISTS {options.Database}.{options.Schema}", [], ct);
        var layout = await client.ExecuteAsync(SnowflakeSchemaMigration.LayoutQuery(options), [], ct);
        var columns = (layout.Data ?? []).Where(r => r.Count >= 3 && r.All(v => v is not null)).Select(r => (r[0]!, r[1]!, r[2]!)).ToList();
        foreach (var statement in SnowflakeSchemaMigration.Statements(options, columns))
        {
            logger.LogInformation("Warehouse: migrating to the plan's layout: {Statement}", statement);
            await Run(statement, [], ct);
        }

        foreach (var ddl in WarehouseDdl.Statements("snowflake"))
        {
            await Run(ddl, [], ct);
        }

        if (keys is { UsesDevelopmentKeys: false })
        {
            await CheckKeyFingerprintsAsync(Privacy.KeyFingerprints.Of(keys), ct);
        }

        logger.LogInformation("Warehouse: Snowflake {Url} {Database}.{Schema}", options.AccountUrl, options.Database, options.Schema);
    }

    /// <summary>
    /// The tables remember the fingerprint of every key id whose hashes they hold (KEY_FINGERPRINTS; the first loader
    /// to record an id owns it): a loader with another key under that id stops here instead of writing hashes that
    /// never join. Loaders that share a broker also meet on its fingerprint topic; these may share only the warehouse.
    /// </summary>
    internal async Task CheckKeyFingerprintsAsync(IReadOnlyDictionary<string, string> mine, CancellationToken ct)
    {
        foreach (var (id, fingerprint) in mine)
        {
            await Run(
                "MERGE INTO KEY_FINGERPRINTS t USING (SELECT ? AS KEY_ID, ? AS FINGERPRINT) s ON t.KEY_ID = s.KEY_ID "
                + "WHEN NOT MATCHED THEN INSERT (KEY_ID, FINGERPRINT, RECORDED_AT) VALUES (s.KEY_ID, s.FINGERPRINT, SYSDATE())",
                [id, fingerprint], ct);
        }

        var answer = await client.ExecuteAsync("SELECT KEY_ID, FINGERPRINT FROM KEY_FINGERPRINTS", [], ct);
        var recorded = (answer.Data ?? []).Where(r => r.Count >= 2 && r[0] is not null && r[1] is not null)
            .ToDictionary(r => r[0]!, r => r[1]!, StringComparer.Ordinal);
        if (Privacy.KeyFingerprints.Conflicts(mine, recorded) is { Count: > 0 } conflicts)
        {
            throw new Hosting.StartupException(Privacy.KeyFingerprints.Describe(conflicts).Replace(
                $"recorded on {Privacy.KeyFingerprints.Topic}", $"recorded in Snowflake {options.Database}.{options.Schema}.KEY_FINGERPRINTS", StringComparison.Ordinal));
        }
    }

    public async Task<WriteResult> WriteAsync(WarehouseBatch batch, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        var statements = 0;
        statements += await MergeAsync(MergeTable.Orders, batch.Orders.Select(SnowflakeMerge.Values).ToList(), ct);
        statements += await MergeAsync(MergeTable.PriceHistory, batch.Prices.Select(SnowflakeMerge.Values).ToList(), ct);
        statements += await MergeAsync(MergeTable.WeatherLogs, batch.Weather.Select(SnowflakeMerge.Values).ToList(), ct);
        return new WriteResult(statements, stopwatch.Elapsed);
    }

    private async Task<int> MergeAsync(MergeTable table, IReadOnlyList<string?[]> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return 0;
        }

        var chunks = SnowflakeMerge.Chunk(rows, table, options.MaxRowsPerStatement, options.MaxBindingsPerStatement, options.MaxStatementBytes);
        foreach (var chunk in chunks)
        {
            await Run(SnowflakeMerge.Statement(table, chunk.Count), chunk.SelectMany(r => r).ToList(), ct);
        }

        return chunks.Count;
    }

    private async Task Run(string statement, IReadOnlyList<string?> bindings, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        try
        {
            await client.ExecuteAsync(statement, bindings, ct);
        }
        catch (SnowflakeStatementException ex) when (ex.IsDataError)
        {
            // A row holds a value its column cannot: the stage splits the batch to find it (MERGE makes re-running the
            // chunks that did apply harmless).
            throw new Hosting.BatchRejectedException(ex.Message, ex);
        }

        CostTotal.Inc(cost.Record(stopwatch.Elapsed));
        CostPerDay.Set(cost.EstimatedUsdPerDay);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
