using Microsoft.Extensions.Logging.Abstractions;
using MillionX.Pipeline.Stages.ContextEnricher;

namespace MillionX.Pipeline.Bench;

/// <summary>
/// Fills the tables the production code creates (same DDL, created by that code) with generated rows in one
/// set-based statement each (<c>INSERT ... SELECT FROM range()</c>), so a million rows take seconds, not a million
/// records through the broker. The timed part of a measurement then runs the real stage on top of them.
/// </summary>
public static class BenchPreload
{
    private const string Names = "['Jamdani Shari', 'Cotton Panjabi', 'Leather Juta', 'Ladies Hand Bag', 'Xiaomi Redmi Note Phone', "
        + "'Bluetooth Earbuds', 'Three Piece Salwar Kameez', 'Kids Sneakers', 'Smart Watch', 'Hijab Set']";

    /// <summary>
    /// <paramref name="rows"/> order lines in ORDERS and their prices in PRICE_HISTORY of the DuckDB warehouse at
    /// <paramref name="path"/>, created by the warehouse DDL. Keys (<c>PRE-</c> order ids) never collide with generated orders.
    /// </summary>
    public static void Warehouse(string path, int rows)
    {
        using var connection = DuckDbFiles.Open(path);
        foreach (var statement in WarehouseDdl.Statements("duckdb"))
        {
            connection.Execute(statement);
        }

        connection.Execute($"""
            INSERT INTO {WarehouseTables.InRawData(WarehouseTables.Orders)}
            SELECT
                CASE WHEN i % 2 = 0 THEN 'shopify' ELSE 'daraz' END,
                'PRE-' || lpad(i::VARCHAR, 9, '0'),
                'P-' || (1001 + i % 10)::VARCHAR,
                'M-' || (i % 500)::VARCHAR,
                list_element({Names}, (i % 10)::INTEGER + 1),
                (1 + i % 3)::INTEGER,
                (100 + i % 5000)::DECIMAL(18,4),
                'BDT',
                list_element(['pending', 'paid', 'shipped', 'delivered', 'cancelled'], (i % 5)::INTEGER + 1),
                CASE WHEN i % 3 = 0 THEN NULL ELSE 'k1_' || left(md5(i::VARCHAR), 24) END,
                TIMESTAMP '2026-01-01 00:00:00' + to_seconds(i),
                TIMESTAMP '2026-01-01 00:00:00' + to_seconds(i),
                'k1',
                '',
                TIMESTAMP '2026-01-01 00:00:00' + to_seconds(i)
            FROM (SELECT range AS i FROM range({rows.ToString(CultureInfo.InvariantCulture)})) AS generated
            """);
        connection.Execute($"""
            INSERT INTO {WarehouseTables.InRawData(WarehouseTables.PriceHistory)}
            SELECT PLATFORM, PRODUCT_ID, ORDER_ID, PRICE, CURRENCY, "TIMESTAMP", INGESTION_TIME FROM {WarehouseTables.InRawData(WarehouseTables.Orders)}
            """);
        connection.Execute("CHECKPOINT");
    }

    /// <summary>
    /// <paramref name="products"/> products in the enricher's persisted catalogue (PRODUCT_CATALOGUE at <paramref name="path"/>),
    /// the table created by <see cref="MemoryCatalogueStore"/> itself. Ids (<c>BP-</c>) never collide with generated orders.
    /// </summary>
    public static async Task CatalogueAsync(string path, int products, CancellationToken ct)
    {
        await using (var store = new MemoryCatalogueStore(path, NullLogger<MemoryCatalogueStore>.Instance))
        {
            await store.LoadAsync(ct);
        }

        using var connection = DuckDbFiles.Open(path);
        connection.Execute($"""
            INSERT INTO PRODUCT_CATALOGUE
            SELECT
                CASE WHEN i % 2 = 0 THEN 'shopify' ELSE 'daraz' END,
                'BP-' || i::VARCHAR,
                list_element(['Premium', 'Classic', 'Eid', 'Winter', 'Summer', 'Kids', 'Ladies', 'Gents', 'Smart', 'Handmade'], (i % 10)::INTEGER + 1)
                    || ' ' || list_element({Names}, ((i // 10) % 10)::INTEGER + 1) || ' ' || (i // 100)::VARCHAR,
                price, price, price, 'BDT', (1 + i % 7)::BIGINT, TIMESTAMP '2026-01-01 00:00:00' + to_seconds(i)
            FROM (SELECT range AS i, (100 + range % 5000)::DECIMAL(18,4) AS price FROM range({products.ToString(CultureInfo.InvariantCulture)})) AS generated
            """);
        connection.Execute("CHECKPOINT");
    }

    /// <summary>Rows in <paramref name="table"/> of the DuckDB file at <paramref name="path"/>.</summary>
    public static long Count(string path, string table)
    {
        using var connection = DuckDbFiles.Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {table}";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
