using System.Diagnostics;
using Confluent.Kafka;

namespace MillionX.Pipeline.VectorStore;

/// <summary>
/// The embedding stage's writer when it runs apart from the vector store (<c>Stages:embedding-service:Output = kafka</c>):
/// each vector goes to <c>enriched.embeddings</c>, keyed by post id, and a batch counts as written only when the broker
/// acknowledged all of it. The vector-sink role loads them into the store.
/// </summary>
public sealed class KafkaVectorForwarder(PipelineProducer producer) : IVectorWriter
{
    public string Name => "kafka";

    public bool IsFinal => false;

    public Task EnsureSchemaAsync(CancellationToken ct) => Task.CompletedTask;

    public async Task UpsertAsync(IReadOnlyList<VectorRecord> records, CancellationToken ct)
    {
        if (records.Count == 0)
        {
            return;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var left = records.Count;
        string? error = null;
        foreach (var record in records)
        {
            var headers = record.IngestedAt is { } at ? PipelineHeaders.WithIngestedAt(at) : null;

            // The send span (and the traceparent header) continues the post's trace, not the batch worker's context.
            var outer = Activity.Current;
            Activity.Current = record.Trace;
            producer.Produce(Topics.EnrichedEmbeddings, Encoding.UTF8.GetBytes(record.PostId), EmbeddedVectorCodec.Serialize(record), headers, report =>
            {
                if (report.Error.IsError)
                {
                    Interlocked.CompareExchange(ref error, report.Error.Reason, null);
                }

                if (Interlocked.Decrement(ref left) == 0)
                {
                    done.TrySetResult();
                }
            });
            Activity.Current = outer;
        }

        await done.Task.WaitAsync(ct);
        if (error is not null)
        {
            // Some of the batch may have landed; the sink upserts by post id, so sending it again is harmless.
            throw new TransientVectorStoreException($"producing to {Topics.EnrichedEmbeddings} failed: {error}");
        }
    }
}
