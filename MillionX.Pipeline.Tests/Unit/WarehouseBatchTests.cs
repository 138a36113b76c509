using MillionX.Pipeline.Warehouse;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class WarehouseBatchTests
{
    private static readonly DateTime At = new(2026, 11, 20, 4, 0, 0, DateTimeKind.Utc);

    private static OrderRow Line(string order, string product, string line, decimal price) => new(
        "shopify", order, product, "M-1", "Jamdani Shari", 1, price, "BDT", "paid", null, At, At, "k1", line, At);

    [Fact]
    public void Prices_OnePerPlatformProductAndOrder_TheLastLinesPrice_InFirstSeenOrder()
    {
        var batch = new WarehouseBatch();
        batch.Add(Line("SH-2", "P-9", "L1", 100m));
        batch.Add(Line("SH-1", "P-1", "L1", 10m));
        batch.Add(Line("SH-1", "P-1", "L2", 12m)); // a second line of the same product in the same order
        batch.Add(Line("SH-1", "P-2", "L3", 20m));

        Assert.Equal(
            [("SH-2", "P-9", 100m), ("SH-1", "P-1", 12m), ("SH-1", "P-2", 20m)],
            batch.Prices.Select(p => (p.OrderId, p.ProductId, p.Price)));
        Assert.Equal(3, batch.RowCounts[WarehouseTables.PriceHistory]);
        Assert.Equal(4, batch.RowCounts[WarehouseTables.Orders]);

        batch.Add(Line("SH-3", "P-1", "L1", 30m)); // a new line invalidates the cached prices
        Assert.Equal(4, batch.Prices.Count);
    }

    /// <summary>
    /// Rows whose keys differ but whose key hashes are equal (found among generated keys: the batch compares the keys
    /// themselves, not only the hashes made with the rows) stay apart in ORDERS and in PRICE_HISTORY.
    /// </summary>
    [Fact]
    public void RowsWithEqualKeyHashes_ButOtherKeys_StayApart()
    {
        KeyedOrder Collision(Func<KeyedOrder, int> hash, Func<int, OrderRow> row)
        {
            var seen = new Dictionary<int, KeyedOrder>();
            for (var i = 0; ; i++)
            {
                var keyed = new KeyedOrder(row(i));
                if (seen.TryGetValue(hash(keyed), out var first))
                {
                    var batch = new WarehouseBatch();
                    batch.Add(first);
                    batch.Add(keyed);
                    Assert.Equal(2, batch.RecordCount);
                    Assert.Equal([first.Row, keyed.Row], batch.Orders);
                    Assert.Equal([PriceRow.From(first.Row), PriceRow.From(keyed.Row)], batch.Prices);
                    return keyed;
                }

                seen[hash(keyed)] = keyed;
            }
        }

        // Two lines of one order: ORDERS' key hashes collide (the line ids differ), PRICE_HISTORY's key is another product's.
        Collision(k => k.KeyHash, i => Line("SH-1", $"P-{i}", $"L{i}", i));
        // PRICE_HISTORY's key hashes collide for two orders.
        Collision(k => k.PriceKeyHash, i => Line($"SH-{i}", "P-1", "L1", i));
    }

    [Fact]
    public void Orders_OneRowPerKey_TheNewestSourceVersionWins_ThenTheLastRead()
    {
        var batch = new WarehouseBatch(capacity: 2);
        var newer = Line("SH-1", "P-1", "L1", 12m) with { SourceUpdatedAtUtc = At.AddMinutes(5), OrderStatus = "shipped" };
        batch.Add(newer);
        batch.Add(Line("SH-1", "P-1", "L1", 10m)); // an older version read later: kept out
        batch.Add(Line("SH-1", "P-1", "L2", 11m));
        batch.Add(Line("SH-1", "P-1", "L2", 13m)); // the same version read again: the last read wins
        batch.Add(Line("SH-2", "P-1", "L1", 14m)); // beyond the initial capacity

        Assert.Equal(5, batch.RecordCount);
        Assert.Equal(
            [("SH-1", "L1", 12m, "shipped"), ("SH-1", "L2", 13m, "paid"), ("SH-2", "L1", 14m, "paid")],
            batch.Orders.Select(o => (o.OrderId, o.LineId, o.Price, o.OrderStatus)));
        Assert.Equal([("SH-1", 13m), ("SH-2", 14m)], batch.Prices.Select(p => (p.OrderId, p.Price)));
    }
}
