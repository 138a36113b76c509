using System.Diagnostics;
using DuckDB.NET.Data;

namespace MillionX.Pipeline.Warehouse;

/// <summary>
/// The embedded warehouse: a DuckDB file, written a batch at a time with DuckDB's Appender (no per-row SQL), one
/// transaction a batch. New orders (every key new: the common case) are appended straight into ORDERS and
/// PRICE_HISTORY; a batch holding a key already stored is appended into temporary staging tables and upserted from
/// there, three set-based statements. Order lines are only replaced by a version the source changed at the same time
/// or later (SOURCE_UPDATED_AT).
/// </summary>
public sealed class DuckDbWarehouseWriter(IOptions<WarehouseOptions> options, ILogger<DuckDbWarehouseWriter> logger, Privacy.PrivacyKeys? keys = null)
    : IWarehouseWriter
{
    private readonly DuckDbSession _session = new(System.IO.Path.GetFullPath(options.Value.DuckDb.Path), c => Initialise(c, options.Value.DuckDb, logger));

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

    /// <summary>
    /// After a batch whose keys were already stored, this many batches go straight to the upsert before new keys are
    /// tried again: a replay or a run of updates pays the failed append once, not on every batch.
    /// </summary>
    internal const int UpsertsAfterConflict = 16;

    private int _upsertsLeft;

    /// <summary>Batches appended straight into the tables (every key new) and batches upserted, since the writer opened.</summary>
    internal (long Appended, long Upserted) Paths => (Interlocked.Read(ref _appended), Interlocked.Read(ref _upserted));

    private long _appended;
    private long _upserted;

    public Task<WriteResult> WriteAsync(WarehouseBatch batch, CancellationToken ct) => Run(connection =>
    {
        try
        {
            var stopwatch = Stopwatch.StartNew();
            if (batch.Orders.Count > 0 && _upsertsLeft == 0)
            {
                if (TryAppendNew(connection, batch))
                {
                    Interlocked.Increment(ref _appended);
                    return new WriteResult(batch.Weather.Count > 0 ? 3 : 2, stopwatch.Elapsed);
                }

                _upsertsLeft = UpsertsAfterConflict;
            }
            else if (_upsertsLeft > 0)
            {
                _upsertsLeft--;
            }

            Upsert(connection, batch);
            Interlocked.Increment(ref _upserted);
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
    /// The common case, new orders: their lines and prices are appended straight into ORDERS and PRICE_HISTORY (no
    /// staging copy, no conflict handling), weather upserted beside them, all in one transaction. True when it
    /// committed; false when DuckDB refused it, mostly for a key already stored (it checks the primary keys as it
    /// appends): rolled back, nothing written, and the batch takes <see cref="Upsert"/>, which keeps the newer version
    /// of each line, or refuses bad data as before.
    /// </summary>
    private static bool TryAppendNew(DuckDBConnection connection, WarehouseBatch batch)
    {
        try
        {
            AppendNew(connection, batch.Orders, batch.Prices, batch.Weather);
            return true;
        }
        catch (DuckDBException ex) when (!DuckDbFiles.IsTransient(ex))
        {
            // Mostly a key already stored; any other refusal (a NOT NULL, a conversion) is classified by the upsert.
            TryRollback(connection);
            return false;
        }
        catch
        {
            TryRollback(connection);
            throw;
        }
    }

    /// <summary>
    /// One transaction: <paramref name="orders"/> appended into ORDERS, <paramref name="prices"/> into PRICE_HISTORY,
    /// <paramref name="weather"/> (if any) upserted, then committed. Throws what DuckDB throws, with the transaction left
    /// for the caller to roll back. The bench's batched appender baseline runs the same path without weather.
    /// </summary>
    internal static void AppendNew(DuckDBConnection connection, IEnumerable<OrderRow> orders, IEnumerable<PriceRow> prices, IReadOnlyCollection<WeatherRow> weather)
    {
        connection.Execute("BEGIN TRANSACTION");
        using (var a = connection.CreateAppender(WarehouseTables.Schema, WarehouseTables.Orders))
        {
            AppendOrders(a, orders);
        }

        using (var a = connection.CreateAppender(WarehouseTables.Schema, WarehouseTables.PriceHistory))
        {
            AppendPrices(a, prices);
        }

        if (weather.Count > 0)
        {
            StageWeather(connection, weather);
            connection.Execute(UpsertWeather);
        }

        connection.Execute("COMMIT");
    }

    /// <summary>
    /// Any batch: appended (DuckDB's Appender, no per-row SQL) into temporary staging tables, then upserted in one
    /// transaction, three set-based statements. An order line is only replaced by a version the source changed at the
    /// same time or later: a late poll or a replayed dead letter never undoes an update.
    /// </summary>
    private static void Upsert(DuckDBConnection connection, WarehouseBatch batch)
    {
        connection.Execute("DELETE FROM STAGE_ORDERS; DELETE FROM STAGE_PRICE_HISTORY;");
        using (var a = connection.CreateAppender("STAGE_ORDERS"))
        {
            AppendOrders(a, batch.Orders);
        }

        using (var a = connection.CreateAppender("STAGE_PRICE_HISTORY"))
        {
            AppendPrices(a, batch.Prices);
        }

        StageWeather(connection, batch.Weather);
        connection.Execute($"""
            BEGIN TRANSACTION;
            {UpsertOrders};
            INSERT OR REPLACE INTO RAW_DATA.PRICE_HISTORY SELECT * FROM STAGE_PRICE_HISTORY;
            {UpsertWeather};
            COMMIT;
            """);
    }

    private const string UpsertWeather = "INSERT OR REPLACE INTO RAW_DATA.WEATHER_LOGS SELECT * FROM STAGE_WEATHER_LOGS";

    /// <summary>Appends in <see cref="OrderColumns"/>' order: STAGE_ORDERS' and RAW_DATA.ORDERS' own (checked when the file opens).</summary>
    internal static void AppendOrders(DuckDBAppender a, IEnumerable<OrderRow> orders)
    {
        foreach (var o in orders)
        {
            var row = a.CreateRow().AppendValue(o.Platform).AppendValue(o.OrderId).AppendValue(o.ProductId).AppendValue(o.MerchantId)
                .AppendValue(o.ProductName).AppendValue(o.Quantity).AppendValue(o.Price).AppendValue(o.Currency).AppendValue(o.OrderStatus);
            row = o.CustomerPhoneHash is null ? row.AppendNullValue() : row.AppendValue(o.CustomerPhoneHash);
            row.AppendValue(o.OrderTimestampUtc).AppendValue(o.IngestionTimeUtc).AppendValue(o.HashKeyId)
                .AppendValue(o.LineId).AppendValue(o.SourceUpdatedAtUtc).EndRow();
        }
    }

    private static void AppendPrices(DuckDBAppender a, IEnumerable<PriceRow> prices)
    {
        foreach (var p in prices)
        {
            a.CreateRow().AppendValue(p.Platform).AppendValue(p.ProductId).AppendValue(p.OrderId).AppendValue(p.Price)
                .AppendValue(p.Currency).AppendValue(p.ObservedAtUtc).AppendValue(p.IngestionTimeUtc).EndRow();
        }
    }

    private static void StageWeather(DuckDBConnection connection, IReadOnlyCollection<WeatherRow> weather)
    {
        connection.Execute("DELETE FROM STAGE_WEATHER_LOGS");
        using var a = connection.CreateAppender("STAGE_WEATHER_LOGS");
        foreach (var w in weather)
        {
            // RECORDED_AT and the plan's "TIMESTAMP" hold the same observation time.
            a.CreateRow().AppendValue(w.City).AppendValue(w.ObservedAtUtc).AppendValue(w.Temperature).AppendValue(w.Condition)
                .AppendValue(w.Humidity).AppendValue(w.WindSpeed).AppendValue(w.IsExtremeWeather).AppendValue(w.IngestionTimeUtc)
                .AppendValue(w.ObservedAtUtc).EndRow();
        }
    }

    /// <summary>ORDERS' natural key; the other columns are updated when the staged version is not older.</summary>
    private static readonly string[] OrderKey = ["PLATFORM", "ORDER_ID", "PRODUCT_ID", "LINE_ID"];

    private static readonly string[] OrderColumns =
    [
        "PLATFORM", "ORDER_ID", "PRODUCT_ID", "MERCHANT_ID", "PRODUCT_NAME", "QUANTITY", "PRICE", "CURRENCY", "ORDER_STATUS",
        "CUSTOMER_PHONE_HASH", "\"TIMESTAMP\"", "INGESTION_TIME", "HASH_KEY_ID", "LINE_ID", "SOURCE_UPDATED_AT",
    ];

    internal static readonly string UpsertOrders =
        $"INSERT INTO RAW_DATA.ORDERS ({string.Join(", ", OrderColumns)}) SELECT {string.Join(", ", OrderColumns)} FROM STAGE_ORDERS "
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

    /// <summary>The file's <c>checkpoint_threshold</c> (<see cref="DuckDbOptions.CheckpointThreshold"/>).</summary>
    internal static void SetCheckpointThreshold(DuckDBConnection connection, string threshold) =>
        connection.SetSize("checkpoint_threshold", "checkpoint threshold", threshold, DuckDbFiles.CheckpointThresholdPattern);

    /// <summary>The file's <c>threads</c> (<see cref="DuckDbOptions.Threads"/>; 0 leaves DuckDB's default).</summary>
    internal static void SetThreads(DuckDBConnection connection, int threads)
    {
        if (threads > 0)
        {
            connection.Execute($"SET threads = {threads.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private static DuckDBConnection Initialise(DuckDBConnection connection, DuckDbOptions options, ILogger logger)
    {
        SetCheckpointThreshold(connection, options.CheckpointThreshold);
        SetThreads(connection, options.Threads);
        var ddl = WarehouseDdl.Statements("duckdb");
        MigrateToPlanLayout(connection, ddl, logger);
        foreach (var statement in ddl)
        {
            connection.Execute(statement);
        }

        // Order lines are appended straight into RAW_DATA.ORDERS in OrderColumns' order (TryAppendNew).
        var layout = Columns(connection, WarehouseTables.Schema)[WarehouseTables.Orders];
        if (!layout.SequenceEqual(OrderColumns.Select(c => c.Trim('"')), StringComparer.OrdinalIgnoreCase))
        {
            throw new StartupException($"{WarehouseTables.InRawData(WarehouseTables.Orders)} in {connection.DataSource} has the columns {string.Join(", ", layout)}; "
                + $"this version writes {string.Join(", ", OrderColumns)} in that order.");
        }

        foreach (var table in WarehouseTables.All)
        {
            connection.Execute($"CREATE TEMP TABLE IF NOT EXISTS STAGE_{table} AS SELECT {(table == WarehouseTables.Orders ? string.Join(", ", OrderColumns) : "*")} "
                + $"FROM {WarehouseTables.InRawData(table)} LIMIT 0");
        }

        logger.LogInformation("Warehouse: DuckDB file {Path} (catalog {Catalog}, tables in {Schema})", connection.DataSource, connection.Database, WarehouseTables.Schema);
        return connection;
    }

    /// <summary>
    /// Where a column of the plan's layout came from in earlier files: ORDERS.ORDER_TIMESTAMP and OBSERVED_AT were
    /// renamed to the plan's names; ORDERS from before order lines had a line id and a source version gets an empty
    /// line id and its order time as its version, so any later version of the order replaces it.
    /// </summary>
    private static readonly Dictionary<(string Table, string Column), string> Earlier = new()
    {
        [(WarehouseTables.Orders, "TIMESTAMP")] = "\"ORDER_TIMESTAMP\"",
        [(WarehouseTables.Orders, "LINE_ID")] = "''",
        [(WarehouseTables.Orders, "SOURCE_UPDATED_AT")] = "\"ORDER_TIMESTAMP\"",
        [(WarehouseTables.PriceHistory, "RECORDED_AT")] = "\"OBSERVED_AT\"",
        [(WarehouseTables.WeatherLogs, "RECORDED_AT")] = "\"OBSERVED_AT\"",
        [(WarehouseTables.WeatherLogs, "TIMESTAMP")] = "\"OBSERVED_AT\"",
    };

    /// <summary>
    /// A file written before the plan's layout holds ORDERS, PRICE_HISTORY and WEATHER_LOGS as tables in main, with
    /// ORDER_TIMESTAMP / OBSERVED_AT (and, older still, ORDERS keyed without LINE_ID). Each is copied into its RAW_DATA
    /// table under the plan's column names and dropped, all in one transaction (DuckDB can neither move a table to
    /// another schema nor alter a primary key); the bare names then become views. A file already in the layout, or a
    /// new one, is left alone, so this runs at every start.
    /// </summary>
    internal static void MigrateToPlanLayout(DuckDBConnection connection, IReadOnlyList<string> ddl, ILogger logger)
    {
        var old = Columns(connection, "main");
        if (old.Count == 0)
        {
            return;
        }

        // The schema and its tables (not the views: their names are still the old tables').
        foreach (var statement in ddl.Where(d => !d.Contains(" VIEW ", StringComparison.Ordinal)))
        {
            connection.Execute(statement);
        }

        var created = Columns(connection, WarehouseTables.Schema);
        var sql = new StringBuilder("BEGIN TRANSACTION;\n");
        foreach (var (table, had) in old)
        {
            var target = created[table];
            var from = target.Select(c => had.Contains(c, StringComparer.OrdinalIgnoreCase) ? Quote(c)
                : Earlier.TryGetValue((table, c), out var source) ? source
                : throw new StartupException($"Cannot migrate {table} of {connection.DataSource} to the plan's layout: it has no column for {c} ({string.Join(", ", had)})."));
            sql.Append($"INSERT INTO {WarehouseTables.InRawData(table)} ({string.Join(", ", target.Select(Quote))}) SELECT {string.Join(", ", from)} FROM main.{table};\n");
            sql.Append($"DROP TABLE main.{table};\n");
        }

        connection.Execute(sql.Append("COMMIT;").ToString());
        logger.LogInformation("Warehouse: {Tables} moved to {Schema} with the plan's column names", string.Join(", ", old.Keys), WarehouseTables.Schema);
    }

    /// <summary>The columns, in order, of the warehouse tables (base tables, not the views) in a schema of the file.</summary>
    private static Dictionary<string, List<string>> Columns(DuckDBConnection connection, string schema)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT c.table_name, c.column_name FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_catalog = c.table_catalog AND t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_catalog = current_database() AND c.table_schema = $schema AND t.table_type = 'BASE TABLE' AND c.table_name IN ('ORDERS', 'PRICE_HISTORY', 'WEATHER_LOGS')
            ORDER BY c.table_name, c.ordinal_position
            """;
        command.Parameters.Add(new DuckDBParameter("schema", schema));
        var columns = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var table = reader.GetString(0);
            if (!columns.TryGetValue(table, out var list))
            {
                columns[table] = list = [];
            }

            list.Add(reader.GetString(1));
        }

        return columns;
    }

    private static string Quote(string column) => $"\"{column}\"";

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
