using System.Runtime.InteropServices;

namespace MillionX.Pipeline.Warehouse;

/// <summary>
/// The warehouse tables, as the writers see them: the plan's names, in the plan's schema RAW_DATA (database MILLIONX
/// in Snowflake; in the DuckDB file the catalog is named after the file, MILLIONX for the default data/millionx.duckdb).
/// </summary>
public static class WarehouseTables
{
    /// <summary>The plan's schema for the raw tables.</summary>
    public const string Schema = "RAW_DATA";

    public const string Orders = "ORDERS";
    public const string PriceHistory = "PRICE_HISTORY";
    public const string WeatherLogs = "WEATHER_LOGS";

    public static readonly IReadOnlyList<string> All = [Orders, PriceHistory, WeatherLogs];

    /// <summary><c>RAW_DATA.table</c>: where a DuckDB writer writes (the bare names in main are read-only views).</summary>
    public static string InRawData(string table) => $"{Schema}.{table}";
}

/// <summary>
/// One order line; natural key (platform, order_id, product_id, line_id). <see cref="SourceUpdatedAtUtc"/> is when the
/// source last changed the order: an upsert never replaces a row with an older version.
/// </summary>
public sealed record OrderRow(
    string Platform, string OrderId, string ProductId, string MerchantId, string ProductName, int Quantity, decimal Price,
    string Currency, string OrderStatus, string? CustomerPhoneHash, DateTime OrderTimestampUtc, DateTime IngestionTimeUtc, string HashKeyId,
    string LineId, DateTime SourceUpdatedAtUtc)
{
    public static OrderRow From(AnonymisedOrder o, DateTime ingestionUtc) => new(
        o.Platform, o.OrderId, o.ProductId, o.MerchantId, o.ProductName, o.Quantity, o.Price, o.Currency, o.OrderStatus,
        o.CustomerPhoneHash, o.Timestamp.UtcDateTime, ingestionUtc, o.HashKeyId, o.LineId ?? "", (o.UpdatedAt ?? o.Timestamp).UtcDateTime);
}

/// <summary>A price observed on an order line; natural key (platform, product_id, order_id).</summary>
public sealed record PriceRow(string Platform, string ProductId, string OrderId, decimal Price, string Currency, DateTime ObservedAtUtc, DateTime IngestionTimeUtc)
{
    public static PriceRow From(OrderRow o) => new(o.Platform, o.ProductId, o.OrderId, o.Price, o.Currency, o.OrderTimestampUtc, o.IngestionTimeUtc);
}

/// <summary>One weather observation; natural key (city, observed_at).</summary>
public sealed record WeatherRow(
    string City, DateTime ObservedAtUtc, double Temperature, string Condition, double Humidity, double WindSpeed, bool IsExtremeWeather, DateTime IngestionTimeUtc)
{
    public (string, DateTime) Key => (City, ObservedAtUtc);

    public static WeatherRow From(WeatherData w, DateTime ingestionUtc) => new(
        w.City, w.Timestamp.UtcDateTime, w.Temperature, w.Condition, w.Humidity, w.WindSpeed, w.IsExtremeWeather, ingestionUtc);
}

/// <summary>
/// An order row with the hashes of its two natural keys, ORDERS' (platform, order, product, line) and PRICE_HISTORY's
/// (platform, product, order), computed once where the row is made. The warehouse sink makes them on its consumer
/// thread, so the batch it writes only compares keys on the writer's thread, which is what bounds the sink.
/// </summary>
public readonly struct KeyedOrder
{
    public KeyedOrder(OrderRow row)
    {
        Row = row;
        KeyHash = HashCode.Combine(row.Platform, row.OrderId, row.ProductId, row.LineId);
        PriceKeyHash = HashCode.Combine(row.Platform, row.ProductId, row.OrderId);
    }

    public OrderRow Row { get; }

    public int KeyHash { get; }

    public int PriceKeyHash { get; }

    /// <summary>ORDERS' key: equal when platform, order, product and line are.</summary>
    internal sealed class ByOrderKey : IEqualityComparer<KeyedOrder>
    {
        public static readonly ByOrderKey Instance = new();

        public bool Equals(KeyedOrder x, KeyedOrder y) => x.KeyHash == y.KeyHash && SamePriceKey(x.Row, y.Row)
            && string.Equals(x.Row.LineId, y.Row.LineId, StringComparison.Ordinal);

        public int GetHashCode(KeyedOrder o) => o.KeyHash;
    }

    /// <summary>PRICE_HISTORY's key: equal when platform, product and order are.</summary>
    internal sealed class ByPriceKey : IEqualityComparer<KeyedOrder>
    {
        public static readonly ByPriceKey Instance = new();

        public bool Equals(KeyedOrder x, KeyedOrder y) => x.PriceKeyHash == y.PriceKeyHash && SamePriceKey(x.Row, y.Row);

        public int GetHashCode(KeyedOrder o) => o.PriceKeyHash;
    }

    private static bool SamePriceKey(OrderRow x, OrderRow y) => string.Equals(x.OrderId, y.OrderId, StringComparison.Ordinal)
        && string.Equals(x.ProductId, y.ProductId, StringComparison.Ordinal) && string.Equals(x.Platform, y.Platform, StringComparison.Ordinal);
}

/// <summary>
/// A batch ready to write: one row per natural key (the newest source version wins, then the last one read), so a
/// set-based upsert never sees the same key twice and a replay of the same records changes nothing.
/// </summary>
public sealed class WarehouseBatch
{
    private readonly Dictionary<KeyedOrder, KeyedOrder> _orders;
    private readonly Dictionary<(string, DateTime), WeatherRow> _weather = [];
    private List<OrderRow>? _orderRows;
    private List<PriceRow>? _prices;

    public WarehouseBatch(int capacity = 0)
    {
        _orders = new(capacity, KeyedOrder.ByOrderKey.Instance);
    }

    /// <summary>Records that made up the batch, duplicates included.</summary>
    public int RecordCount { get; private set; }

    /// <summary>One row per ORDERS key, in the order each key was first seen.</summary>
    public IReadOnlyList<OrderRow> Orders => _orderRows ??= OrderRows();

    /// <summary>One price per (platform, product, order): two lines of one product in one order keep the last line's price here. Computed once per batch (the writer and <see cref="RowCounts"/> both read it).</summary>
    public IReadOnlyList<PriceRow> Prices => _prices ??= LastPricePerKey();

    public IReadOnlyCollection<WeatherRow> Weather => _weather.Values;

    private List<OrderRow> OrderRows()
    {
        var rows = new List<OrderRow>(_orders.Count);
        foreach (var held in _orders.Values)
        {
            rows.Add(held.Row);
        }

        return rows;
    }

    /// <summary>
    /// In the order each key was first seen, the last price for it (a batch of 10,000 lines: no grouping objects per key,
    /// the keys' hashes made with the rows).
    /// </summary>
    private List<PriceRow> LastPricePerKey()
    {
        var at = new Dictionary<KeyedOrder, int>(_orders.Count, KeyedOrder.ByPriceKey.Instance);
        var prices = new List<PriceRow>(_orders.Count);
        foreach (var order in _orders.Values)
        {
            var price = PriceRow.From(order.Row);
            ref var i = ref CollectionsMarshal.GetValueRefOrAddDefault(at, order, out var seen);
            if (seen)
            {
                prices[i] = price;
            }
            else
            {
                i = prices.Count;
                prices.Add(price);
            }
        }

        return prices;
    }

    public void Add(OrderRow row) => Add(new KeyedOrder(row));

    public void Add(KeyedOrder order)
    {
        ref var held = ref CollectionsMarshal.GetValueRefOrAddDefault(_orders, order, out var seen);
        if (!seen || order.Row.SourceUpdatedAtUtc >= held.Row.SourceUpdatedAtUtc)
        {
            held = order;
            _orderRows = null;
            _prices = null;
        }

        RecordCount++;
    }

    public void Add(WeatherRow row)
    {
        _weather[row.Key] = row;
        RecordCount++;
    }

    /// <summary>Rows per table that a write of this batch upserts.</summary>
    public IReadOnlyDictionary<string, long> RowCounts => new Dictionary<string, long>
    {
        [WarehouseTables.Orders] = _orders.Count,
        [WarehouseTables.PriceHistory] = Prices.Count,
        [WarehouseTables.WeatherLogs] = _weather.Count,
    };
}

/// <summary>What one batch write did.</summary>
public sealed record WriteResult(int Statements, TimeSpan Elapsed);

/// <summary>A warehouse the sink writes batches to. Writes are idempotent upserts on natural keys.</summary>
public interface IWarehouseWriter : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Creates missing tables from the DDL kept in the repo.</summary>
    Task EnsureSchemaAsync(CancellationToken ct);

    /// <summary>Writes the whole batch durably, or throws; a transient failure throws <see cref="TransientWarehouseException"/>.</summary>
    Task<WriteResult> WriteAsync(WarehouseBatch batch, CancellationToken ct);
}

/// <summary>A failure worth retrying later (throttling, 5xx, timeouts, a locked file); the batch is not durable.</summary>
public sealed class TransientWarehouseException(string message, Exception? inner = null) : Hosting.TransientException(message, inner);
