namespace MillionX.Pipeline.Tests.Integration;

/// <summary>The bench end to end at a tiny scale: every figure measured, positive and consistent (no timing thresholds).</summary>
public sealed class BenchCommandTests : IDisposable
{
    private static readonly string[] Figures =
    [
        "broker_passthrough_msgs_per_s", "privacy_stage_msgs_per_s", "privacy_vs_passthrough", "embed_model_only_per_s",
        "embedding_stage_per_s", "embedding_vs_model", "embed_latency_p50_ms", "embed_latency_p95_ms", "warehouse_rows_per_s",
        "warehouse_vs_appender", "warehouse_avg_batch_rows", "e2e_latency_p50_ms", "e2e_latency_p95_ms", "peak_rss_mb",
        "embed_fp32_model_only_per_s", "embed_int8_vs_fp32", "enricher_orders_per_s", "enricher_posts_per_s", "pipeline_orders_per_s", "pipeline_orders_vs_privacy", "vector_search_p95_ms_at_100k",
        "enricher_orders_per_s_at_100k_products", "enricher_at_100k_vs_small", "pipeline_posts_per_s", "pipeline_posts_vs_model",
        "vector_sink_per_s", "dlq_monitor_per_s", "warehouse_rows_per_s_at_1m", "warehouse_growth_ratio",
        "appender_batched_rows_per_s", "warehouse_vs_batched_appender", "privacy_start_ms",
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("bench-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Bench_TinyScale_WritesEveryFigurePositiveAndConsistent()
    {
        var json = Path.Combine(_dir, "bench.json");
        var overrides = new Dictionary<string, string?>
        {
            ["Embedding:CacheDirectory"] = TestConfig.PreparedModelCache,
        };
        var output = new StringWriter();
        var progress = new StringWriter();

        var exit = await BenchCommand.RunAsync(CommandLine.Parse(["bench", "--quick", "--json", json, "--Bench:Scale=0.02",
            // The warehouse figures are timed from the first batch durable: at this scale (1,000 orders each) batches of 50,
            // so there are 20 batches to time after it.
            "--Stages:warehouse-sink:MaxBatchRecords=50"]), overrides, output, progress);

        Assert.True(exit == 0, output + "\n" + progress);
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = doc.RootElement;
        foreach (var name in Figures)
        {
            Assert.True(root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number, $"{name} missing or not a number");
            var v = value.GetDouble();
            Assert.True(double.IsFinite(v) && v > 0, $"{name} = {v}");
        }

        Assert.True(root.GetProperty("quick").GetBoolean());
        Assert.Empty(root.GetProperty("failures").EnumerateArray());
        Assert.True(root.GetProperty("machine").GetProperty("cores").GetInt32() > 0);
        Assert.True(root.TryGetProperty("started_at", out _));
        foreach (var count in new[] { "passthrough_records", "privacy_records", "embedding_records", "warehouse_rows" })
        {
            Assert.True(root.GetProperty(count).GetInt64() > 0, count);
        }

        AssertRatio(root, "privacy_vs_passthrough", "privacy_stage_msgs_per_s", "broker_passthrough_msgs_per_s");
        AssertRatio(root, "embedding_vs_model", "embedding_stage_per_s", "embed_model_only_per_s");
        AssertRatio(root, "warehouse_vs_appender", "warehouse_rows_per_s", "appender_rows_per_s");
        AssertRatio(root, "warehouse_vs_batched_appender", "warehouse_rows_per_s", "appender_batched_rows_per_s");
        Assert.InRange(root.GetProperty("warehouse_avg_batch_rows").GetDouble(), 1, 50); // the override reached the stage
        AssertRatio(root, "embed_int8_vs_fp32", "embed_model_only_per_s", "embed_fp32_model_only_per_s");
        AssertRatio(root, "pipeline_orders_vs_privacy", "pipeline_orders_per_s", "privacy_stage_msgs_per_s");
        Assert.True(root.GetProperty("pipeline_orders").GetInt64() > 0);
        Assert.Equal(2_000, root.GetProperty("vector_search_vectors").GetInt64()); // 100,000 x Bench:Scale 0.02
        AssertRatio(root, "enricher_at_100k_vs_small", "enricher_orders_per_s_at_100k_products", "enricher_orders_per_s");
        AssertRatio(root, "pipeline_posts_vs_model", "pipeline_posts_per_s", "embed_model_only_per_s");
        AssertRatio(root, "warehouse_growth_ratio", "warehouse_rows_per_s_at_1m", "warehouse_rows_per_s");
        Assert.Equal(2_000, root.GetProperty("enricher_catalogue_products").GetInt64()); // 100,000 x 0.02
        Assert.Equal(20_000, root.GetProperty("warehouse_preload_rows").GetInt64()); // 1,000,000 x 0.02
        Assert.Equal(1_000, root.GetProperty("warehouse_growth_rows").GetInt64()); // 50,000 x 0.02
        Assert.Equal(root.GetProperty("embedding_records").GetInt64(), root.GetProperty("pipeline_posts").GetInt64());
        Assert.True(root.GetProperty("vector_sink_records").GetInt64() > 0);
        Assert.True(root.GetProperty("dlq_monitor_records").GetInt64() > 0);

        // The figures measure the model the pipeline runs by default: the real all-MiniLM-L6-v2, int8 made from the packaged fp32.
        Assert.Equal("int8", root.GetProperty("embed_model_precision").GetString());
        Assert.Equal(TestModels.RealInt8.ModelSha256, root.GetProperty("embed_model_sha256").GetString());
        Assert.StartsWith("all-MiniLM-L6-v2 int8", root.GetProperty("model").GetString(), StringComparison.Ordinal);
        Assert.True(root.GetProperty("embed_latency_p50_ms").GetDouble() <= root.GetProperty("embed_latency_p95_ms").GetDouble());
        Assert.True(root.GetProperty("e2e_latency_p50_ms").GetDouble() <= root.GetProperty("e2e_latency_p95_ms").GetDouble());
        Assert.Contains("broker_passthrough_msgs_per_s", output.ToString(), StringComparison.Ordinal);
    }

    private static void AssertRatio(JsonElement root, string ratio, string part, string whole)
    {
        var expected = root.GetProperty(part).GetDouble() / root.GetProperty(whole).GetDouble();
        var actual = root.GetProperty(ratio).GetDouble();
        // Figures are rounded to 0.1 and ratios to 4 places.
        Assert.True(Math.Abs(actual - expected) <= (0.01 * expected) + 0.0001, $"{ratio} = {actual}, {part}/{whole} = {expected}");
    }
}
