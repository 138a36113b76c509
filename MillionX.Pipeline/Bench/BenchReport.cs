using System.Runtime.InteropServices;
using System.Text.Json.Serialization;

namespace MillionX.Pipeline.Bench;

/// <summary>Where the bench ran.</summary>
public sealed record BenchMachine(int Cores, long RamMb, string Os, string Runtime, double? LoadAvg1mAtStart)
{
    /// <summary>Load average over the last minute at the end of the run: other processes competing for the cores skew every figure.</summary>
    public double? LoadAvg1mAtEnd { get; set; }

    public static BenchMachine Current() => new(
        Environment.ProcessorCount,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes >> 20,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        LoadAverage());

    public static double? LoadAverage() =>
        File.Exists("/proc/loadavg") && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture, out var load) ? load : null;
}

/// <summary>The figures of one bench run (all from this run); a figure is null when its measurement failed (see <see cref="Failures"/>).</summary>
public sealed record BenchReport
{
    public bool Quick { get; init; }
    public required BenchMachine Machine { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public double Scale { get; init; } = 1;

    public long PassthroughRecords { get; init; }
    public long PrivacyRecords { get; init; }
    public long EmbeddingRecords { get; init; }
    public long WarehouseRows { get; init; }
    public double LatencyWindowS { get; init; }
    public double? OfferedLoadPerS { get; set; }

    /// <summary>
    /// The end-to-end windows' rate: half the whole pipeline's posts capacity (two inferences a post: semantic matching
    /// and the embedding), or the embedding stage's half when that is lower.
    /// </summary>
    public double? EndToEndOfferedLoadPerS { get; set; }
    public long? EmbedLatencySamples { get; set; }
    public long? E2eLatencySamples { get; set; }
    public required IReadOnlyDictionary<string, int> Partitions { get; init; }
    public string? Model { get; init; }

    /// <summary><c>int8</c> or <c>fp32</c>: the precision of the model the pipeline runs (what every embedding figure measures).</summary>
    public string? EmbedModelPrecision { get; init; }
    public string? EmbedModelSha256 { get; init; }
    public double? EmbedAvgTokens { get; set; }

    public double? BrokerPassthroughMsgsPerS { get; set; }
    public double? PrivacyStageMsgsPerS { get; set; }

    /// <summary>From the privacy host's start to its stage's partition assignment (key check, group join): not in the rate.</summary>
    public double? PrivacyStartMs { get; set; }
    public double? PrivacyVsPassthrough { get; set; }
    public double? EmbedModelOnlyPerS { get; set; }

    /// <summary>The fp32 model the int8 one was made from, same texts, same run (null when fp32 runs).</summary>
    public double? EmbedFp32ModelOnlyPerS { get; set; }
    public double? EmbedInt8VsFp32 { get; set; }
    public double? EmbeddingStagePerS { get; set; }
    public double? EmbeddingVsModel { get; set; }
    public double? EmbedLatencyP50Ms { get; set; }
    public double? EmbedLatencyP95Ms { get; set; }

    /// <summary>The parts of <see cref="EmbedLatencyP95Ms"/>: waiting for a batch to start, and that batch's inference.</summary>
    public double? EmbedQueueWaitP95Ms { get; set; }
    public double? EmbedInferenceP95Ms { get; set; }
    public double? EmbedAvgBatch { get; set; }

    /// <summary>
    /// Model time per text inside the stage during the latency window (all inference calls over all texts), to set
    /// beside <c>1000 / embed_model_only_per_s</c>; and the p95 of the window's vector-store writes, which records wait behind.
    /// </summary>
    public double? EmbedInferencePerTextMs { get; set; }
    public double? EmbedStoreWriteP95Ms { get; set; }
    /// <summary>context-enricher alone: order lines learnt into the catalogue, and posts enriched (semantic matching on: one inference a post).</summary>
    public double? EnricherOrdersPerS { get; set; }
    public double? EnricherPostsPerS { get; set; }

    /// <summary>Market source records through privacy-shield, context-enricher and warehouse-sink in one host, until every row landed.</summary>
    public double? PipelineOrdersPerS { get; set; }
    public long? PipelineOrders { get; set; }
    public double? PipelineOrdersVsPrivacy { get; set; }

    /// <summary>
    /// context-enricher learning the same orders as <see cref="EnricherOrdersPerS"/> with <see cref="EnricherCatalogueProducts"/>
    /// products already in its catalogue store (PRODUCT_CATALOGUE, as a restarted enricher finds it).
    /// </summary>
    [JsonPropertyName("enricher_orders_per_s_at_100k_products")]
    public double? EnricherOrdersPerSAt100kProducts { get; set; }

    [JsonPropertyName("enricher_at_100k_vs_small")]
    public double? EnricherAt100kVsSmall { get; set; }
    public long? EnricherCatalogueProducts { get; set; }

    /// <summary>Posts published through the source gate, then privacy-shield, context-enricher, embedding-service and vector-sink in one host, until every vector is in the store.</summary>
    public double? PipelinePostsPerS { get; set; }
    public long? PipelinePosts { get; set; }

    /// <summary><see cref="PipelinePostsPerS"/> over <see cref="EmbedModelOnlyPerS"/>: the whole path against the model alone.</summary>
    public double? PipelinePostsVsModel { get; set; }

    /// <summary>vector-sink alone: precomputed vectors from <c>enriched.embeddings</c> into the DuckDB vector store (no embedding).</summary>
    public double? VectorSinkPerS { get; set; }
    public long? VectorSinkRecords { get; set; }

    /// <summary>dlq-monitor alone: dead letters read from the dead-letter topics and counted.</summary>
    public double? DlqMonitorPerS { get; set; }
    public long? DlqMonitorRecords { get; set; }
    public double? WarehouseRowsPerS { get; set; }
    public double? AppenderRowsPerS { get; set; }
    public double? WarehouseVsAppender { get; set; }

    /// <summary>The appender into ORDERS and PRICE_HISTORY, one transaction per batch of the stage's mean size: the least a durable sink does.</summary>
    public double? AppenderBatchedRowsPerS { get; set; }
    public double? WarehouseVsBatchedAppender { get; set; }
    public double? WarehouseAvgBatchRows { get; set; }

    /// <summary>warehouse-sink upserting <see cref="WarehouseGrowthRows"/> new orders into ORDERS and PRICE_HISTORY already holding <see cref="WarehousePreloadRows"/> rows each.</summary>
    [JsonPropertyName("warehouse_rows_per_s_at_1m")]
    public double? WarehouseRowsPerSAt1m { get; set; }
    public double? WarehouseGrowthRatio { get; set; }
    public long? WarehousePreloadRows { get; set; }
    public long? WarehouseGrowthRows { get; set; }
    public double? E2eLatencyP50Ms { get; set; }
    public double? E2eLatencyP95Ms { get; set; }
    /// <summary>P95 of top-10 searches over the DuckDB vector store holding <see cref="VectorSearchVectors"/> vectors (100,000 unless Bench:Scale shrinks it).</summary>
    [JsonPropertyName("vector_search_p95_ms_at_100k")]
    public double? VectorSearchP95MsAt100k { get; set; }
    public long? VectorSearchVectors { get; set; }
    public double? PeakRssMb { get; set; }

    public List<string> Failures { get; init; } = [];

    /// <summary>Ratios from the unrounded parts; figures rounded for reading.</summary>
    public void ComputeRatios()
    {
        PrivacyVsPassthrough = Ratio(PrivacyStageMsgsPerS, BrokerPassthroughMsgsPerS);
        EmbeddingVsModel = Ratio(EmbeddingStagePerS, EmbedModelOnlyPerS);
        PipelineOrdersVsPrivacy = Ratio(PipelineOrdersPerS, PrivacyStageMsgsPerS);
        EmbedInt8VsFp32 = EmbedModelPrecision == "int8" ? Ratio(EmbedModelOnlyPerS, EmbedFp32ModelOnlyPerS) : null;
        WarehouseVsAppender = Ratio(WarehouseRowsPerS, AppenderRowsPerS);
        WarehouseVsBatchedAppender = Ratio(WarehouseRowsPerS, AppenderBatchedRowsPerS);
        WarehouseGrowthRatio = Ratio(WarehouseRowsPerSAt1m, WarehouseRowsPerS);
        EnricherAt100kVsSmall = Ratio(EnricherOrdersPerSAt100kProducts, EnricherOrdersPerS);
        PipelinePostsVsModel = Ratio(PipelinePostsPerS, EmbedModelOnlyPerS);
    }

    private static double? Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? Math.Round(x / y, 4) : null;

    public string FormatTable()
    {
        var sb = new StringBuilder();
        void Row(string name, double? value, string unit, double? ratio = null, string? ratioName = null) =>
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"  {name,-40}{(value is { } v ? v.ToString(v >= 100 ? "N0" : "0.##", CultureInfo.InvariantCulture) : "FAILED"),12} {unit,-9}{(ratio is { } r ? $"{ratioName} {r:0.###}" : "")}");

        sb.AppendLine(CultureInfo.InvariantCulture, $"MillionX.Pipeline bench{(Quick ? " (quick)" : "")}{(Scale != 1 ? $" scale {Scale}" : "")}, started {StartedAt:yyyy-MM-dd HH:mm:ss}Z");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"machine: {Machine.Cores} cores, {Machine.RamMb:N0} MiB RAM, {Machine.Os}, {Machine.Runtime}, load average {Machine.LoadAvg1mAtStart:0.##} at start, {Machine.LoadAvg1mAtEnd:0.##} at end");
        sb.AppendLine(CultureInfo.InvariantCulture, $"model: {Model}, enriched texts {EmbedAvgTokens:0.#} tokens on average");
        sb.AppendLine(CultureInfo.InvariantCulture, $"embed_model_precision: {EmbedModelPrecision}, embed_model_sha256: {EmbedModelSha256}");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"records: passthrough/privacy {PassthroughRecords:N0}, embeddings {EmbeddingRecords:N0}, warehouse rows {WarehouseRows:N0}, latency windows {LatencyWindowS:0.#} s at {OfferedLoadPerS?.ToString("0.#", CultureInfo.InvariantCulture) ?? "-"}/s (end to end {EndToEndOfferedLoadPerS?.ToString("0.#", CultureInfo.InvariantCulture) ?? "-"}/s)");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"preloaded: warehouse {WarehousePreloadRows:N0} rows (+{WarehouseGrowthRows:N0}), catalogue {EnricherCatalogueProducts:N0} products; vector-sink {VectorSinkRecords:N0} vectors, dlq-monitor {DlqMonitorRecords:N0} dead letters, whole pipeline {PipelinePosts:N0} posts");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"  {"figure",-40}{"value",12} {"unit",-9}ratio");
        Row("broker_passthrough_msgs_per_s", BrokerPassthroughMsgsPerS, "msg/s");
        Row("privacy_stage_msgs_per_s", PrivacyStageMsgsPerS, "msg/s", PrivacyVsPassthrough, "vs passthrough");
        Row("  (privacy host start to assignment)", PrivacyStartMs, "ms");
        Row("embed_model_only_per_s", EmbedModelOnlyPerS, "texts/s", EmbedInt8VsFp32, "int8 vs fp32");
        Row("  (fp32 model only)", EmbedFp32ModelOnlyPerS, "texts/s");
        Row("embedding_stage_per_s", EmbeddingStagePerS, "texts/s", EmbeddingVsModel, "vs model");
        Row("embed_latency_p50_ms", EmbedLatencyP50Ms, "ms");
        Row("embed_latency_p95_ms", EmbedLatencyP95Ms, "ms");
        Row("  (queue wait p95)", EmbedQueueWaitP95Ms, "ms");
        Row("  (inference p95)", EmbedInferenceP95Ms, "ms");
        Row("  (texts per inference)", EmbedAvgBatch, "texts");
        Row("  (model time per text)", EmbedInferencePerTextMs, "ms");
        Row("  (store write p95)", EmbedStoreWriteP95Ms, "ms");
        Row("enricher_orders_per_s", EnricherOrdersPerS, "orders/s");
        Row("enricher_posts_per_s", EnricherPostsPerS, "posts/s");
        Row("enricher_orders_per_s_at_100k_products", EnricherOrdersPerSAt100kProducts, "orders/s", EnricherAt100kVsSmall, "vs small catalogue");
        Row("pipeline_orders_per_s", PipelineOrdersPerS, "orders/s", PipelineOrdersVsPrivacy, "vs privacy stage");
        Row("pipeline_posts_per_s", PipelinePostsPerS, "posts/s", PipelinePostsVsModel, "vs model");
        Row("vector_sink_per_s", VectorSinkPerS, "posts/s");
        Row("dlq_monitor_per_s", DlqMonitorPerS, "letters/s");
        Row("warehouse_rows_per_s", WarehouseRowsPerS, "rows/s", WarehouseVsAppender, "vs appender");
        Row("  (raw DuckDB appender)", AppenderRowsPerS, "rows/s");
        Row("  (appender, batches, 2 tables)", AppenderBatchedRowsPerS, "rows/s", WarehouseVsBatchedAppender, "stage vs it");
        Row("warehouse_avg_batch_rows", WarehouseAvgBatchRows, "rows");
        Row("warehouse_rows_per_s_at_1m", WarehouseRowsPerSAt1m, "rows/s", WarehouseGrowthRatio, "vs empty tables");
        Row("e2e_latency_p50_ms", E2eLatencyP50Ms, "ms");
        Row("e2e_latency_p95_ms", E2eLatencyP95Ms, "ms");
        Row("vector_search_p95_ms_at_100k", VectorSearchP95MsAt100k, "ms");
        Row("peak_rss_mb", PeakRssMb, "MiB");
        foreach (var f in Failures)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"FAILED: {f}");
        }

        return sb.ToString();
    }
}

/// <summary>Pure: percentiles by nearest rank.</summary>
public static class Percentiles
{
    public static double Of(IReadOnlyList<double> samples, double quantile)
    {
        if (samples.Count == 0)
        {
            throw new ArgumentException("No samples.", nameof(samples));
        }

        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(quantile * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class BenchJson : JsonSerializerContext;
