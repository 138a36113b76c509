using DuckDB.NET.Data;

namespace MillionX.Pipeline.Stages.ContextEnricher;

/// <summary>
/// The in-process catalogue, persisted in a DuckDB table (PRODUCT_CATALOGUE, the embedded warehouse file by default)
/// so a restart does not forget it. One process owns it; replicas share a catalogue through Redis instead.
/// </summary>
public sealed class MemoryCatalogueStore : ICatalogueStore
{
    private readonly Dictionary<string, CatalogueProduct> _products = new(StringComparer.Ordinal);
    private readonly DuckDbSession _session;

    public MemoryCatalogueStore(string path, ILogger<MemoryCatalogueStore> logger)
    {
        _session = new DuckDbSession(path, connection => Initialise(connection, logger));
    }

    public Task UpsertAsync(IReadOnlyList<AnonymisedOrder> orders, CancellationToken ct) => _session.RunAsync(connection =>
    {
        var changed = new Dictionary<string, CatalogueProduct>(StringComparer.Ordinal);
        foreach (var order in orders)
        {
            var key = $"{order.Platform}:{order.ProductId}";
            changed[key] = CatalogueProduct.Merge(changed.GetValueOrDefault(key) ?? _products.GetValueOrDefault(key), order);
        }

        // One Appender pass into a staging table and one set-based upsert per batch: the cost follows the batch,
        // not one parameterised statement per changed product (which made learning slower as the catalogue grew).
        connection.Execute("DELETE FROM STAGE_PRODUCT_CATALOGUE");
        using (var appender = connection.CreateAppender("STAGE_PRODUCT_CATALOGUE"))
        {
            foreach (var p in changed.Values)
            {
                appender.CreateRow().AppendValue(p.Platform).AppendValue(p.ProductId).AppendValue(p.Name).AppendValue(p.LatestPrice)
                    .AppendValue(p.MinPrice).AppendValue(p.MaxPrice).AppendValue(p.Currency).AppendValue(p.TimesSeen).AppendValue(p.LatestAtUtc).EndRow();
            }
        }

        connection.Execute("INSERT OR REPLACE INTO PRODUCT_CATALOGUE SELECT * FROM STAGE_PRODUCT_CATALOGUE");

        // Only a stored batch changes what this store answers, so a failed write that is retried is not counted twice.
        foreach (var (key, product) in changed)
        {
            _products[key] = product;
        }
    }, ct);

    public Task<IReadOnlyList<CatalogueProduct>> LoadAsync(CancellationToken ct) =>
        _session.RunAsync<IReadOnlyList<CatalogueProduct>>(_ => _products.Values.ToList(), ct);

    private DuckDBConnection Initialise(DuckDBConnection connection, ILogger logger)
    {
        connection.Execute("""
            CREATE TABLE IF NOT EXISTS PRODUCT_CATALOGUE (
                PLATFORM VARCHAR NOT NULL, PRODUCT_ID VARCHAR NOT NULL, NAME VARCHAR NOT NULL,
                LATEST_PRICE DECIMAL(18,4) NOT NULL, MIN_PRICE DECIMAL(18,4) NOT NULL, MAX_PRICE DECIMAL(18,4) NOT NULL,
                CURRENCY VARCHAR NOT NULL, TIMES_SEEN BIGINT NOT NULL, LATEST_AT TIMESTAMP NOT NULL,
                PRIMARY KEY (PLATFORM, PRODUCT_ID))
            """);
        connection.Execute("CREATE TEMP TABLE IF NOT EXISTS STAGE_PRODUCT_CATALOGUE AS SELECT * FROM PRODUCT_CATALOGUE LIMIT 0");

        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT PLATFORM, PRODUCT_ID, NAME, LATEST_PRICE, MIN_PRICE, MAX_PRICE, CURRENCY, TIMES_SEEN, LATEST_AT FROM PRODUCT_CATALOGUE";
            using var r = read.ExecuteReader();
            while (r.Read())
            {
                var p = new CatalogueProduct(r.GetString(0), r.GetString(1), r.GetString(2), r.GetDecimal(3), r.GetDecimal(4), r.GetDecimal(5),
                    r.GetString(6), r.GetInt64(7), r.GetDateTime(8));
                _products[p.Key] = p;
            }
        }

        logger.LogInformation("Product catalogue: {Count} products from {Path}", _products.Count, connection.DataSource);
        return connection;
    }

    public ValueTask DisposeAsync() => _session.DisposeAsync();
}
