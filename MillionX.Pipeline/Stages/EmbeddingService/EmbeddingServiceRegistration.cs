using MillionX.Pipeline.Embedding;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.VectorStore;

namespace MillionX.Pipeline.Stages.EmbeddingService;

public static class EmbeddingServiceRegistration
{
    public static readonly StageDefinition Definition = new(
        EmbeddingServiceStage.StageName, StageKind.Processor,
        "Embeds enriched posts with all-MiniLM-L6-v2 in micro-batches and upserts them into the vector store.", AddEmbeddingService);

    public static IHostApplicationBuilder AddEmbeddingService(this IHostApplicationBuilder builder)
    {
        builder.AddEmbedder();
        builder.AddVectorStore();
        builder.Services.AddSingleton<EmbeddingServiceStage>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EmbeddingServiceStage>());
        return builder;
    }
}
