using System.Diagnostics;
using DuckDB.NET.Data;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.Hosting;

namespace MillionX.Pipeline.Warehouse;

/// <summary>
/// The embedded warehouse: a DuckDB file. Each batch is appended (DuckDB's Appender, no per-row SQL) into temporary
/// staging tables, then upserted into the real tables in one transaction: three set-based statements a batch.
/// </summary>
public sealed class DuckDbWarehouseWriter(IOptions<WarehouseOptions> options, ILogger<DuckDbWarehouseWriter> logger) : IWarehouseWriter
{
    private readonly DuckDbSession _session = new(System.IO.Path.GetFullPath(options.Value.DuckDb.Path), c => Initialise(c, logger));

    public string Name => "duckdb";

    public string Path => _session.Path;

    public Task EnsureSchemaAsync(CancellationToken ct) => Run(_ => true, ct);

    public Task<WriteResult> WriteAsync(WarehouseBatch batch, CancellationToken ct) => Run(connection =>
    {
        try
        {
            var stopwatch = Stopwatch.StartNew();
            connection.Execute("DELETE FROM STAGE_ORDERS; DELETE FROM STAGE_PRICE_HISTORY; DELETE FROM STAGE_WEATHER_LOGS;");
            using (var a = connection.CreateAppender("STAGE_ORDERS"))
            {
                foreach (var o in batch.Orders)
                {
                    var row = a.CreateRow().AppendValue(o.Platform).AppendValue(o.OrderId).AppendValue(o.ProductId).AppendValue(o.MerchantId)
                        .AppendValue(o.ProductName).AppendValue(o.Quantity).AppendValue(o.Price).AppendValue(o.Currency).AppendValue(o.OrderStatus);
                    row = o.CustomerPhoneHash is null ? row.AppendNullValue() : row.AppendValue(o.CustomerPhoneHash);
                    row.AppendValue(o.OrderTimestampUtc).AppendValue(o.IngestionTimeUtc).AppendValue(o.HashKeyId).EndRow();
                }
            }

            using (var a = connection.CreateAppender("STAGE_PRICE_HISTORY"))
            {
                foreach (var p in batch.Prices)
                {
                    a.CreateRow().AppendValue(p.Platform).AppendValue(p.ProductId).AppendValue(p.OrderId).AppendValue(p.Price)
                        .AppendValue(p.Currency).AppendValue(p.ObservedAtUtc).AppendValue(p.IngestionTimeUtc).EndRow();
                }
            }

            using (var a = connection.CreateAppender("STAGE_WEATHER_LOGS"))
            {
                foreach (var w in batch.Weather)
                {
                    a.CreateRow().AppendValue(w.City).AppendValue(w.ObservedAtUtc).AppendValue(w.Temperature).AppendValue(w.Condition)
                        .AppendValue(w.Humidity).AppendValue(w.WindSpeed).AppendValue(w.IsExtremeWeather).AppendValue(w.IngestionTimeUtc).EndRow();
                }
            }

            // One transaction: the batch is durable as a whole or not at all.
            connection.Execute("""
                BEGIN TRANSACTION;
                INSERT OR REPLACE INTO ORDERS SELECT * FROM STAGE_ORDERS;
                INSERT OR REPLACE INTO PRICE_HISTORY SELECT * FROM STAGE_PRICE_HISTORY;
                INSERT OR REPLACE INTO WEATHER_LOGS SELECT * FROM STAGE_WEATHER_LOGS;
                COMMIT;
                """);
            return new WriteResult(3, stopwatch.Elapsed);
        }
        catch (DuckDBException ex) when (DuckDbFiles.IsTransient(ex))
        {
            TryRollback(connection);
            throw new TransientWarehouseException($"DuckDB write failed: {ex.Message}", ex);
        }
        catch (Exception ex) when (IsDataError(ex))
        {
            TryRollback(connection);
            throw new BatchRejectedException($"DuckDB refused the batch's data: {ex.Message}", ex);
        }
    }, ct);

    /// <summary>
    /// A value a column cannot hold: DuckDB's conversion, out-of-range and constraint errors, or the appender's own
    /// overflow converting a .NET value to the column type. The batch's data is at fault, not the store.
    /// </summary>
    internal static bool IsDataError(Exception ex) => ex switch
    {
        OverflowException => true,
        DuckDBException d => d.Message.StartsWith("Conversion Error", StringComparison.Ordinal)
            || d.Message.StartsWith("Out of Range Error", StringComparison.Ordinal)
            || d.Message.StartsWith("Constraint Error", StringComparison.Ordinal)
            || d.Message.StartsWith("Invalid Input Error", StringComparison.Ordinal),
        _ => false,
    };

    private async Task<T> Run<T>(Func<DuckDBConnection, T> work, CancellationToken ct)
    {
        try
        {
            return await _session.RunAsync(work, ct);
        }
        catch (DuckDBException ex) when (DuckDbFiles.IsTransient(ex))
        {
            throw new TransientWarehouseException($"Cannot open DuckDB file {Path} (is another process using it?): {ex.Message}", ex);
        }
    }

    private static DuckDBConnection Initialise(DuckDBConnection connection, ILogger logger)
    {
        foreach (var statement in WarehouseDdl.Statements("duckdb"))
        {
            connection.Execute(statement);
        }

        foreach (var table in WarehouseTables.All)
        {
            connection.Execute($"CREATE TEMP TABLE IF NOT EXISTS STAGE_{table} AS SELECT * FROM {table} LIMIT 0");
        }

        logger.LogInformation("Warehouse: DuckDB file {Path}", connection.DataSource);
        return connection;
    }

    private static void TryRollback(DuckDBConnection connection)
    {
        try
        {
            connection.Execute("ROLLBACK");
        }
        catch (DuckDBException)
        {
            // No transaction was open.
        }
    }

    public ValueTask DisposeAsync() => _session.DisposeAsync();
}
