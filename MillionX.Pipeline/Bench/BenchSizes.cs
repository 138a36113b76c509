namespace MillionX.Pipeline.Bench;

/// <summary>How much each measurement processes: quick (under 2 minutes on 2 cores) or full, times <c>Bench:Scale</c>.</summary>
public sealed record BenchSizes(int Records, int Embeddings, int WarehouseRows, TimeSpan LatencyWindow, double Scale)
{
    /// <summary>The offered load the partitions are sized for; a higher half-capacity load fails the latency measurements.</summary>
    public const double MaxOfferedLoadPerS = 2_000;

    /// <summary>Vectors stored before timing searches (<c>vector_search_p95_ms_at_100k</c>): 100,000, shrunk only by Bench:Scale.</summary>
    public int StoredVectors => Math.Max(1_000, (int)(100_000 * Scale));

    /// <summary>Rows already in ORDERS and PRICE_HISTORY before <c>warehouse_rows_per_s_at_1m</c>: 1,000,000, shrunk only by Bench:Scale.</summary>
    public int WarehousePreloadRows => Math.Max(2_000, (int)(1_000_000 * Scale));

    /// <summary>New orders upserted on top of <see cref="WarehousePreloadRows"/>: 50,000, shrunk only by Bench:Scale.</summary>
    public int WarehouseGrowthRows => Math.Max(500, (int)(50_000 * Scale));

    /// <summary>Products in the catalogue store before <c>enricher_orders_per_s_at_100k_products</c>: 100,000, shrunk only by Bench:Scale.</summary>
    public int CatalogueProducts => Math.Max(1_000, (int)(100_000 * Scale));

    /// <summary>Precomputed vectors loaded by vector-sink (<c>vector_sink_per_s</c>).</summary>
    public int VectorSinkPosts => Math.Max(500, (int)(20_000 * Scale));

    /// <summary>Dead letters counted by dlq-monitor (<c>dlq_monitor_per_s</c>).</summary>
    public int DeadLetters => Math.Max(500, (int)(50_000 * Scale));

    public static BenchSizes For(bool quick, double scale)
    {
        var (n, m, k, window) = quick ? (60_000, 600, 50_000, 15.0) : (300_000, 3_000, 200_000, 60.0);
        return new BenchSizes(
            Math.Max(500, (int)(n * scale)),
            Math.Max(64, (int)(m * scale)),
            Math.Max(500, (int)(k * scale)),
            TimeSpan.FromSeconds(Math.Max(2, window * scale)),
            scale);
    }
}
