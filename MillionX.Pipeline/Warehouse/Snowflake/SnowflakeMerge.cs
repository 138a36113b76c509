namespace MillionX.Pipeline.Warehouse.Snowflake;

/// <summary>A column of a MERGE: its name and the cast applied to the bound TEXT value.</summary>
public sealed record MergeColumn(string Name, string Cast = "");

/// <summary>
/// A table's columns and natural key, for building MERGE statements. With a <paramref name="Version"/> column a
/// matched row is only updated by a source version at least as new (a row from before the column existed has none).
/// </summary>
public sealed record MergeTable(string Name, IReadOnlyList<MergeColumn> Columns, IReadOnlyList<string> Key, string? Version = null)
{
    public static readonly MergeTable Orders = new(WarehouseTables.Orders,
    [
        new("PLATFORM"), new("ORDER_ID"), new("PRODUCT_ID"), new("MERCHANT_ID"), new("PRODUCT_NAME"), new("QUANTITY", "::NUMBER(38,0)"),
        new("PRICE", "::NUMBER(18,4)"), new("CURRENCY"), new("ORDER_STATUS"), new("CUSTOMER_PHONE_HASH"), new("\"TIMESTAMP\"", "::TIMESTAMP_NTZ"),
        new("INGESTION_TIME", "::TIMESTAMP_NTZ"), new("HASH_KEY_ID"), new("LINE_ID"), new("SOURCE_UPDATED_AT", "::TIMESTAMP_NTZ"),
    ], ["PLATFORM", "ORDER_ID", "PRODUCT_ID", "LINE_ID"], Version: "SOURCE_UPDATED_AT");

    public static readonly MergeTable PriceHistory = new(WarehouseTables.PriceHistory,
    [
        new("PLATFORM"), new("PRODUCT_ID"), new("ORDER_ID"), new("PRICE", "::NUMBER(18,4)"), new("CURRENCY"),
        new("RECORDED_AT", "::TIMESTAMP_NTZ"), new("INGESTION_TIME", "::TIMESTAMP_NTZ"),
    ], ["PLATFORM", "PRODUCT_ID", "ORDER_ID"]);

    public static readonly MergeTable WeatherLogs = new(WarehouseTables.WeatherLogs,
    [
        new("CITY"), new("RECORDED_AT", "::TIMESTAMP_NTZ"), new("TEMPERATURE", "::FLOAT"), new("CONDITION"), new("HUMIDITY", "::FLOAT"),
        new("WIND_SPEED", "::FLOAT"), new("IS_EXTREME_WEATHER", "::BOOLEAN"), new("INGESTION_TIME", "::TIMESTAMP_NTZ"),
        new("\"TIMESTAMP\"", "::TIMESTAMP_NTZ"),
    ], ["CITY", "RECORDED_AT"]);
}

/// <summary>Pure: MERGE statements over bound VALUES lists, chunked under Snowflake's statement limits.</summary>
public static class SnowflakeMerge
{
    /// <summary>
    /// <c>MERGE INTO t USING (SELECT column1 AS A, column2::CAST AS B ... FROM VALUES (?,?),(?,?)) s ON keys
    /// WHEN MATCHED THEN UPDATE ... WHEN NOT MATCHED THEN INSERT ...</c>: one set-based statement for many rows.
    /// </summary>
    public static string Statement(MergeTable table, int rows)
    {
        var cols = table.Columns;
        var sb = new StringBuilder(256 + (rows * cols.Count * 2));
        sb.Append("MERGE INTO ").Append(table.Name).Append(" t USING (SELECT ");
        sb.AppendJoin(", ", cols.Select((c, i) => $"column{i + 1}{c.Cast} AS {c.Name}"));
        sb.Append(" FROM VALUES ");
        var tuple = "(" + string.Join(",", Enumerable.Repeat("?", cols.Count)) + ")";
        for (var r = 0; r < rows; r++)
        {
            if (r > 0)
            {
                sb.Append(',');
            }

            sb.Append(tuple);
        }

        sb.Append(") s ON ").AppendJoin(" AND ", table.Key.Select(k => $"t.{k} = s.{k}"));
        var nonKey = cols.Where(c => !table.Key.Contains(c.Name)).ToList();
        sb.Append(" WHEN MATCHED");
        if (table.Version is { } v)
        {
            sb.Append(" AND (t.").Append(v).Append(" IS NULL OR s.").Append(v).Append(" >= t.").Append(v).Append(')');
        }

        sb.Append(" THEN UPDATE SET ").AppendJoin(", ", nonKey.Select(c => $"t.{c.Name} = s.{c.Name}"));
        sb.Append(" WHEN NOT MATCHED THEN INSERT (").AppendJoin(", ", cols.Select(c => c.Name)).Append(") VALUES (")
            .AppendJoin(", ", cols.Select(c => "s." + c.Name)).Append(')');
        return sb.ToString();
    }

    /// <summary>Splits rows so that each chunk stays under the row, binding and byte limits.</summary>
    public static IReadOnlyList<IReadOnlyList<string?[]>> Chunk(IReadOnlyList<string?[]> rows, MergeTable table, int maxRows, int maxBindings, int maxBytes)
    {
        var columns = table.Columns.Count;
        var rowsByBindings = Math.Max(1, maxBindings / columns);
        var limit = Math.Min(maxRows, rowsByBindings);
        var chunks = new List<IReadOnlyList<string?[]>>();
        var current = new List<string?[]>();

        // The statement text without rows, plus the rest of the request body (timeout, database, schema, warehouse, role).
        var fixedBytes = JsonBytes(Statement(table, 0)) + 512;
        var bytes = fixedBytes;
        foreach (var row in rows)
        {
            // Each binding costs its value plus {"n":{"type":"TEXT","value":""}} and a "(?,..)" in the SQL.
            var rowBytes = row.Sum(v => (v is null ? 4 : JsonBytes(v)) + 40) + (columns * 2) + 3;
            if (current.Count > 0 && (current.Count >= limit || bytes + rowBytes > maxBytes))
            {
                chunks.Add(current);
                current = [];
                bytes = fixedBytes;
            }

            current.Add(row);
            bytes += rowBytes;
        }

        if (current.Count > 0)
        {
            chunks.Add(current);
        }

        return chunks;
    }

    // An upper bound of the bytes a string takes in the request body, not its char count: System.Text.Json's default
    // encoder keeps printable ASCII but escapes everything else (Bangla, emoji) and HTML-sensitive characters as 6-byte \uXXXX.
    private static int JsonBytes(string s)
    {
        var bytes = 0;
        foreach (var c in s)
        {
            bytes += c is >= ' ' and <= '~' and not ('"' or '\\' or '&' or '\'' or '<' or '>' or '+' or '`') ? 1 : 6;
        }

        return bytes;
    }

    public static string?[] Values(OrderRow o) =>
    [
        o.Platform, o.OrderId, o.ProductId, o.MerchantId, o.ProductName, Num(o.Quantity), Num(o.Price), o.Currency, o.OrderStatus,
        o.CustomerPhoneHash, Time(o.OrderTimestampUtc), Time(o.IngestionTimeUtc), o.HashKeyId, o.LineId, Time(o.SourceUpdatedAtUtc),
    ];

    public static string?[] Values(PriceRow p) =>
        [p.Platform, p.ProductId, p.OrderId, Num(p.Price), p.Currency, Time(p.ObservedAtUtc), Time(p.IngestionTimeUtc)];

    public static string?[] Values(WeatherRow w) =>
    [
        w.City, Time(w.ObservedAtUtc), w.Temperature.ToString("R", CultureInfo.InvariantCulture), w.Condition,
        w.Humidity.ToString("R", CultureInfo.InvariantCulture), w.WindSpeed.ToString("R", CultureInfo.InvariantCulture),
        w.IsExtremeWeather ? "TRUE" : "FALSE", Time(w.IngestionTimeUtc), Time(w.ObservedAtUtc),
    ];

    private static string Num(decimal d) => d.ToString(CultureInfo.InvariantCulture);

    /// <summary>A UTC time as the TIMESTAMP_NTZ text the MERGE casts.</summary>
    internal static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss.fffffff", CultureInfo.InvariantCulture);
}
