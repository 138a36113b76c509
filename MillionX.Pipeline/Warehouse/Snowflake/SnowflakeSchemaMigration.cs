namespace MillionX.Pipeline.Warehouse.Snowflake;

/// <summary>
/// Brings tables of an earlier layout to the plan's (database MILLIONX, schema RAW_DATA, ORDERS."TIMESTAMP",
/// PRICE_HISTORY.RECORDED_AT, WEATHER_LOGS.RECORDED_AT) before the DDL runs: a table found only in
/// <see cref="SnowflakeOptions.MigrateFromSchema"/> is moved into <see cref="SnowflakeOptions.Schema"/>, then each old
/// column name is renamed. Snowflake has no <c>RENAME COLUMN IF EXISTS</c>, so the statements follow what
/// INFORMATION_SCHEMA.COLUMNS says the tables hold now: a second run finds nothing to do and sends no ALTER.
/// Rows, clustering and grants stay with the table (a rename moves metadata, it copies no data).
/// </summary>
public static class SnowflakeSchemaMigration
{
    /// <summary>Old column name to the plan's, per table.</summary>
    public static readonly IReadOnlyList<(string Table, string Old, string New)> Renames =
    [
        (WarehouseTables.Orders, "ORDER_TIMESTAMP", "\"TIMESTAMP\""),
        (WarehouseTables.PriceHistory, "OBSERVED_AT", "RECORDED_AT"),
        (WarehouseTables.WeatherLogs, "OBSERVED_AT", "RECORDED_AT"),
    ];

    /// <summary>The one SELECT that reads where the warehouse tables are and what columns they have.</summary>
    public static string LayoutQuery(SnowflakeOptions options)
    {
        var schemas = new[] { options.Schema, options.MigrateFromSchema }.Where(s => s.Length > 0).Select(s => $"'{s.ToUpperInvariant()}'");
        return "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS "
            + $"WHERE TABLE_SCHEMA IN ({string.Join(", ", schemas)}) AND TABLE_NAME IN ({string.Join(", ", WarehouseTables.All.Select(t => $"'{t}'"))}) "
            + "ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION";
    }

    /// <summary>
    /// The statements that bring <paramref name="columns"/> (rows of <see cref="LayoutQuery"/>: schema, table, column) to
    /// the plan's layout, in order; none when it is there already. The DDL then creates what is still missing.
    /// </summary>
    public static IReadOnlyList<string> Statements(SnowflakeOptions options, IEnumerable<(string Schema, string Table, string Column)> columns)
    {
        var target = options.Schema.ToUpperInvariant();
        var from = options.MigrateFromSchema.ToUpperInvariant();
        var byTable = columns.GroupBy(c => (c.Schema.ToUpperInvariant(), c.Table.ToUpperInvariant()))
            .ToDictionary(g => g.Key, g => g.Select(c => c.Column).ToHashSet(StringComparer.Ordinal));
        var statements = new List<string>();
        foreach (var table in WarehouseTables.All)
        {
            if (!byTable.TryGetValue((target, table), out var held) && from.Length > 0 && from != target && byTable.TryGetValue((from, table), out held))
            {
                // The schema must exist before a table can move into it (the writer creates it first).
                statements.Add($"ALTER TABLE {options.Database}.{from}.{table} RENAME TO {options.Database}.{target}.{table}");
            }

            if (held is null)
            {
                continue;
            }

            foreach (var (_, old, renamed) in Renames.Where(r => r.Table == table))
            {
                if (held.Contains(old) && !held.Contains(renamed.Trim('"')))
                {
                    statements.Add($"ALTER TABLE {table} RENAME COLUMN {old} TO {renamed}");
                }
            }
        }

        return statements;
    }
}
