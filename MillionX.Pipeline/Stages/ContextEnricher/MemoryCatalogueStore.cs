using DuckDB.NET.Data;
using MillionX.Pipeline.Contracts;
using MillionX.Pipeline.Warehouse;

namespace MillionX.Pipeline.Stages.ContextEnricher;

/// <summary>
/// The in-process catalogue, persisted in a DuckDB table (PRODUCT_CATALOGUE, the embedded warehouse file by default)
/// so a restart does not forget it. One process owns it; replicas share a catalogue through Redis instead.
/// </summary>
public sealed class MemoryCatalogueStore(string path, ILogger<MemoryCatalogueStore> logger) : ICatalogueStore
{
    private readonly Dictionary<string, CatalogueProduct> _products = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private DuckDBConnection? _connection;

    public async Task UpsertAsync(IReadOnlyList<AnonymisedOrder> orders, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var connection = Open();
            var changed = new Dictionary<string, CatalogueProduct>(StringComparer.Ordinal);
            foreach (var order in orders)
            {
                var key = $"{order.Platform}:{order.ProductId}";
                _products.TryGetValue(key, out var current);
                var merged = CatalogueProduct.Merge(current, order);
                _products[key] = merged;
                changed[key] = merged;
            }

            using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT OR REPLACE INTO PRODUCT_CATALOGUE VALUES ($platform, $id, $name, $latest, $min, $max, $currency, $seen, $at)
                """;
            foreach (var p in changed.Values)
            {
                command.Parameters.Clear();
                command.Parameters.Add(new DuckDBParameter("platform", p.Platform));
                command.Parameters.Add(new DuckDBParameter("id", p.ProductId));
                command.Parameters.Add(new DuckDBParameter("name", p.Name));
                command.Parameters.Add(new DuckDBParameter("latest", p.LatestPrice));
                command.Parameters.Add(new DuckDBParameter("min", p.MinPrice));
                command.Parameters.Add(new DuckDBParameter("max", p.MaxPrice));
                command.Parameters.Add(new DuckDBParameter("currency", p.Currency));
                command.Parameters.Add(new DuckDBParameter("seen", p.TimesSeen));
                command.Parameters.Add(new DuckDBParameter("at", p.LatestAtUtc));
                command.ExecuteNonQuery();
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task<IReadOnlyList<CatalogueProduct>> LoadAsync(CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            Open();
            return _products.Values.ToList();
        }
        finally
        {
            _lock.Release();
        }
    }

    private DuckDBConnection Open()
    {
        if (_connection is not null)
        {
            return _connection;
        }

        var connection = DuckDbFiles.Open(path);
        connection.Execute("""
            CREATE TABLE IF NOT EXISTS PRODUCT_CATALOGUE (
                PLATFORM VARCHAR NOT NULL, PRODUCT_ID VARCHAR NOT NULL, NAME VARCHAR NOT NULL,
                LATEST_PRICE DECIMAL(18,4) NOT NULL, MIN_PRICE DECIMAL(18,4) NOT NULL, MAX_PRICE DECIMAL(18,4) NOT NULL,
                CURRENCY VARCHAR NOT NULL, TIMES_SEEN BIGINT NOT NULL, LATEST_AT TIMESTAMP NOT NULL,
                PRIMARY KEY (PLATFORM, PRODUCT_ID))
            """);

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

        logger.LogInformation("Product catalogue: {Count} products from {Path}", _products.Count, Path.GetFullPath(path));
        _connection = connection;
        return connection;
    }

    public ValueTask DisposeAsync()
    {
        _connection?.Dispose();
        _connection = null;
        return ValueTask.CompletedTask;
    }
}
