using Prometheus;

namespace MillionX.Pipeline.VectorStore;

/// <summary>Writing vectors the same way from the embedding stage and the vector-sink role: metrics and end-to-end latency.</summary>
public static class VectorWrites
{
    public static readonly Counter VectorsWritten = Metrics.CreateCounter(
        "millionx_vectors_written_total", "Vectors upserted into the vector store.", "store");

    /// <summary>The posts path of <c>millionx_end_to_end_latency_seconds</c>: source accepted to vector written.</summary>
    public static readonly Histogram.Child EndToEnd = Observability.PipelineMetrics.EndToEndLatency.WithLabels(Observability.PipelineMetrics.PathPosts);

    public static readonly Histogram BatchSize = Metrics.CreateHistogram(
        "millionx_vector_write_batch_size", "Vectors per acknowledged write, by store (kafka = handed to vector-sink).",
        new HistogramConfiguration { LabelNames = ["store"], Buckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });

    private static readonly Counter WriteFailures = Metrics.CreateCounter(
        "millionx_vector_write_failures_total", "Transient vector-store write failures that were retried.", "store");

    /// <summary>One write of <paramref name="records"/>; the calling stage retries a <see cref="TransientVectorStoreException"/>.</summary>
    public static async Task UpsertAsync(IVectorWriter writer, IReadOnlyList<VectorRecord> records, CancellationToken ct)
    {
        await writer.UpsertAsync(records, ct);
        BatchSize.WithLabels(writer.Name).Observe(records.Count);
    }

    /// <summary>Counts a transient write failure that is being retried.</summary>
    public static void Failed(IVectorWriter writer) => WriteFailures.WithLabels(writer.Name).Inc();

    /// <summary>Counts records that reached their final store and observes their end-to-end latency.</summary>
    public static void Landed(IVectorWriter writer, IReadOnlyList<VectorRecord> records, DateTimeOffset now, Action<double>? samplesMs = null)
    {
        if (!writer.IsFinal)
        {
            return;
        }

        foreach (var record in records)
        {
            if (record.IngestedAt is { } at)
            {
                var seconds = Math.Max(0, (now - at).TotalSeconds);
                EndToEnd.Observe(seconds);
                samplesMs?.Invoke(seconds * 1000);
            }
        }

        VectorsWritten.WithLabels(writer.Name).Inc(records.Count);
    }
}
