using MillionX.Pipeline.Hosting;
using Prometheus;

namespace MillionX.Pipeline.VectorStore;

/// <summary>Writing vectors the same way from the embedding stage and the vector-sink role: retries, metrics, end-to-end latency.</summary>
public static class VectorWrites
{
    public static readonly Counter VectorsWritten = Metrics.CreateCounter(
        "millionx_vectors_written_total", "Vectors upserted into the vector store.", "store");

    public static readonly Histogram EndToEnd = Metrics.CreateHistogram(
        "millionx_end_to_end_latency_seconds", "Source record accepted to its vector written; the plan's < 5 s.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.01, 2, 14) });

    public static readonly Histogram BatchSize = Metrics.CreateHistogram(
        "millionx_vector_write_batch_size", "Vectors per acknowledged write, by store (kafka = handed to vector-sink).",
        new HistogramConfiguration { LabelNames = ["store"], Buckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });

    private static readonly Counter WriteFailures = Metrics.CreateCounter(
        "millionx_vector_write_failures_total", "Transient vector-store write failures that were retried.", "store");

    /// <summary>
    /// Writes <paramref name="records"/> until the writer acknowledges them, backing off (doubling from
    /// <paramref name="initialDelay"/> to <paramref name="maxDelay"/>, with jitter) on transient failures. Returns false
    /// when shutting down first: the caller stores no offsets and the records are read again.
    /// </summary>
    public static async Task<bool> UpsertWithRetryAsync(
        IVectorWriter writer, IReadOnlyList<VectorRecord> records, TimeSpan initialDelay, TimeSpan maxDelay, TimeProvider clock, ILogger logger, CancellationToken ct)
    {
        var delay = initialDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // On shutdown the last batch still gets a short, bounded chance to land.
                using var bound = new CancellationTokenSource(ct.IsCancellationRequested ? TimeSpan.FromSeconds(2) : Timeout.InfiniteTimeSpan);
                await writer.UpsertAsync(records, bound.Token);
                BatchSize.WithLabels(writer.Name).Observe(records.Count);
                return true;
            }
            catch (TransientVectorStoreException ex)
            {
                WriteFailures.WithLabels(writer.Name).Inc();
                var wait = Backoff.Jitter(delay);
                logger.LogWarning("Vector write of {Count} vectors to {Store} failed (attempt {Attempt}): {Error}; retrying in {Delay:0.0} s, offsets not stored",
                    records.Count, writer.Name, attempt, ex.Message, wait.TotalSeconds);
                try
                {
                    await Task.Delay(wait, clock, ct);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }

                delay = Backoff.Grow(delay, maxDelay);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return false;
            }
        }
    }

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
