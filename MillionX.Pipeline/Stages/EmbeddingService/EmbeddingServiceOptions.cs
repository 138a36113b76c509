namespace MillionX.Pipeline.Stages.EmbeddingService;

/// <summary><c>Stages:embedding-service</c>: where the stage puts its vectors (model and batching live in <c>Embedding</c>).</summary>
public sealed class EmbeddingServiceOptions
{
    public const string Section = "Stages:embedding-service";

    public const string VectorStoreOutput = "vector-store";
    public const string KafkaOutput = "kafka";

    /// <summary>
    /// <c>vector-store</c> (default): upsert into the configured vector store directly. <c>kafka</c>: produce to
    /// <c>enriched.embeddings</c> for the vector-sink role, so embedding replicas and store writers scale apart.
    /// </summary>
    [RegularExpression("^(vector-store|kafka)$", ErrorMessage = "Stages:embedding-service:Output must be 'vector-store' or 'kafka'.")]
    public string Output { get; set; } = VectorStoreOutput;
}
