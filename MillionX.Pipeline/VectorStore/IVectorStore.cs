namespace MillionX.Pipeline.VectorStore;

/// <summary>One post's vector and the plan's properties (platform, content, timestamp, engagement, post_id, hashtags).</summary>
public sealed record VectorRecord(
    string PostId,
    string Platform,
    string Content,
    string EnrichedContent,
    DateTimeOffset Timestamp,
    long EngagementCount,
    IReadOnlyList<string> Hashtags,
    IReadOnlyList<string> MatchedProductIds,
    float[] Vector)
{
    /// <summary>When the source record entered the pipeline (its ingested-at header), if known: end-to-end latency ends where the vector lands.</summary>
    public DateTimeOffset? IngestedAt { get; init; }

    /// <summary>The embedding stage's span for this post, when tracing: the hand-over to vector-sink continues its trace.</summary>
    public System.Diagnostics.Activity? Trace { get; init; }
}

/// <summary>A search result: the post and its cosine similarity to the query (1 = same direction).</summary>
public sealed record SearchHit(string PostId, string Platform, string Content, long EngagementCount, DateTimeOffset Timestamp, double Score);

/// <summary>A vector store the embedding stage writes to. Upserts by post_id, so a replay changes nothing.</summary>
public interface IVectorStore : IVectorWriter, IAsyncDisposable
{
    Task<IReadOnlyList<SearchHit>> SearchAsync(float[] query, int top, string? platform, CancellationToken ct);

    Task<long> CountAsync(CancellationToken ct);
}

/// <summary>Where the embedding stage puts its vectors: a vector store, or the <c>enriched.embeddings</c> topic for the vector-sink role.</summary>
public interface IVectorWriter
{
    string Name { get; }

    /// <summary>True when a write lands the vector in the store (end-to-end latency ends here); false for a hop in between.</summary>
    bool IsFinal => true;

    /// <summary>Creates the collection / table when missing.</summary>
    Task EnsureSchemaAsync(CancellationToken ct);

    /// <summary>Writes all records durably, or throws (<see cref="TransientVectorStoreException"/> for what is worth retrying).</summary>
    Task UpsertAsync(IReadOnlyList<VectorRecord> records, CancellationToken ct);
}

/// <summary>A failure worth retrying later (throttling, 5xx, timeouts, refused connections); nothing is acknowledged.</summary>
public sealed class TransientVectorStoreException(string message, Exception? inner = null) : Hosting.TransientException(message, inner);
