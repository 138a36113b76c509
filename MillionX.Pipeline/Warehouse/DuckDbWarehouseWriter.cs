using System.Diagnostics;
using DuckDB.NET.Data;

namespace MillionX.Pipeline.Warehouse;

/// <summary>
/// The embedded warehouse: a DuckDB file. Each batch is appended (DuckDB's Appender, no per-row SQL) into temporary
/// staging tables, then upserted into the real tables in one transaction: three set-based statements a batch. Order
/// lines are only replaced by a version the source changed at the same time or later (SOURCE_UPDATED_AT).
/// </summary>
public sealed class DuckDbWarehouseWriter(IOptions<WarehouseOptions> options, ILogger<DuckDbWarehouseWriter> logger, Privacy.PrivacyKeys? keys = null)
    : IWarehouseWriter
{
    private readonly DuckDbSession _session = new(System.IO.Path.GetFullPath(options.Value.DuckDb.Path), c => Initialise(c, logger));

    public string Name => "duckdb";

    public string Path => _session.Path;

    /// <summary>Creates missing tables and checks this process's privacy key ids against the ones the file was written with.</summary>
    public Task EnsureSchemaAsync(CancellationToken ct) => Run(connection =>
    {
        if (keys is { UsesDevelopmentKeys: false })
        {
            CheckKeyFingerprints(connection, Privacy.KeyFingerprints.Of(keys));
        }

        return true;
    }, ct);

    /// <summary>
    /// The file remembers the fingerprint of every key id whose hashes it holds (KEY_FINGERPRINTS): a later run with
    /// another key under the same id stops here instead of writing hashes that never join the earlier ones. This is
    /// the meeting point of runs on the embedded broker, whose fingerprint topic dies with each process.
    /// </summary>
    internal static void CheckKeyFingerprints(DuckDBConnection connection, IReadOnlyDictionary<string, string> mine)
    {
        using (var insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT INTO KEY_FINGERPRINTS VALUES ($id, $fingerprint, now()::TIMESTAMP) ON CONFLICT DO NOTHING";
            foreach (var (id, fingerprint) in mine)
            {
                insert.Parameters.Clear();
                insert.Parameters.Add(new DuckDBParameter("id", id));
                insert.Parameters.Add(new DuckDBParameter("fingerprint", fingerprint));
                insert.ExecuteNonQuery();
            }
        }

        var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT KEY_ID, FINGERPRINT FROM KEY_FINGERPRINTS";
            using var r = read.ExecuteReader();
            while (r.Read())
            {
                recorded[r.GetString(0)] = r.GetString(1);
            }
        }

        if (Privacy.KeyFingerprints.Conflicts(mine, recorded) is { Count: > 0 } conflicts)
        {
            throw new StartupException(Privacy.KeyFingerprints.Describe(conflicts).Replace(
                $"recorded on {Privacy.KeyFingerprints.Topic}", $"recorded in {connection.DataSource} (KEY_FINGERPRINTS)", StringComparison.Ordinal));
        }
    }

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
                    row.AppendValue(o.OrderTimestampUtc).AppendValue(o.IngestionTimeUtc).AppendValue(o.HashKeyId)
                        .AppendValue(o.LineId).AppendValue(o.SourceUpdatedAtUtc).EndRow();
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

            // One transaction: the batch is durable as a whole or not at all. An order line is only replaced by a version
            // the source changed at the same time or later: a late poll or a replayed dead letter never undoes an update.
            connection.Execute($"""
                BEGIN TRANSACTION;
                {UpsertOrders};
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

    /// <summary>ORDERS' natural key; the other columns are updated when the staged version is not older.</summary>
    private static readonly string[] OrderKey = ["PLATFORM", "ORDER_ID", "PRODUCT_ID", "LINE_ID"];

    private static readonly string[] OrderColumns =
    [
        "PLATFORM", "ORDER_ID", "PRODUCT_ID", "MERCHANT_ID", "PRODUCT_NAME", "QUANTITY", "PRICE", "CURRENCY", "ORDER_STATUS",
        "CUSTOMER_PHONE_HASH", "ORDER_TIMESTAMP", "INGESTION_TIME", "HASH_KEY_ID", "LINE_ID", "SOURCE_UPDATED_AT",
    ];

    internal static readonly string UpsertOrders =
        $"INSERT INTO ORDERS ({string.Join(", ", OrderColumns)}) SELECT {string.Join(", ", OrderColumns)} FROM STAGE_ORDERS "
        + $"ON CONFLICT ({string.Join(", ", OrderKey)}) DO UPDATE SET "
        + string.Join(", ", OrderColumns.Except(OrderKey).Select(c => $"{c} = excluded.{c}"))
        + " WHERE excluded.SOURCE_UPDATED_AT >= ORDERS.SOURCE_UPDATED_AT";

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
        var ddl = WarehouseDdl.Statements("duckdb");
        foreach (var statement in ddl)
        {
            connection.Execute(statement);
        }

        MigrateOrdersToLineKey(connection, ddl, logger);
        foreach (var table in WarehouseTables.All)
        {
            connection.Execute($"CREATE TEMP TABLE IF NOT EXISTS STAGE_{table} AS SELECT {(table == WarehouseTables.Orders ? string.Join(", ", OrderColumns) : "*")} FROM {table} LIMIT 0");
        }

        logger.LogInformation("Warehouse: DuckDB file {Path}", connection.DataSource);
        return connection;
    }

    /// <summary>
    /// A file written before order lines had a line id and a source version: ORDERS keyed (platform, order_id,
    /// product_id) is rebuilt under the new key in one transaction (DuckDB cannot alter a primary key). Old rows get an
    /// empty line id and their order time as their version, so any later version of the order replaces them.
    /// </summary>
    internal static void MigrateOrdersToLineKey(DuckDBConnection connection, IReadOnlyList<string> ddl, ILogger logger)
    {
        using (var check = connection.CreateCommand())
        {
            check.CommandText = "SELECT count(*) FROM information_schema.columns WHERE table_name = 'ORDERS' AND column_name = 'LINE_ID'";
            if (Convert.ToInt64(check.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0)
            {
                return;
            }
        }

        const string Create = "CREATE TABLE IF NOT EXISTS ORDERS (";
        var create = ddl.Single(d => d.StartsWith(Create, StringComparison.Ordinal)).Replace(Create, "CREATE TABLE ORDERS_BY_LINE (", StringComparison.Ordinal);
        var old = OrderColumns.Take(OrderColumns.Length - 2).ToList();
        connection.Execute($"""
            BEGIN TRANSACTION;
            {create};
            INSERT INTO ORDERS_BY_LINE ({string.Join(", ", OrderColumns)}) SELECT {string.Join(", ", old)}, '', ORDER_TIMESTAMP FROM ORDERS;
            DROP TABLE ORDERS;
            ALTER TABLE ORDERS_BY_LINE RENAME TO ORDERS;
            COMMIT;
            """);
        logger.LogInformation("Warehouse: ORDERS migrated to the key (platform, order_id, product_id, line_id) with SOURCE_UPDATED_AT");
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
