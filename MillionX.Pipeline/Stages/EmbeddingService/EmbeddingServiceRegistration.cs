using Microsoft.Extensions.Options;
using MillionX.Pipeline.Embedding;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.VectorStore;

namespace MillionX.Pipeline.Stages.EmbeddingService;

public static class EmbeddingServiceRegistration
{
    public static readonly StageDefinition Definition = new(
        EmbeddingServiceStage.StageName, StageKind.Processor,
        "Embeds enriched posts with all-MiniLM-L6-v2 in micro-batches and upserts them into the vector store (or hands them to vector-sink).",
        AddEmbeddingService);

    public static IHostApplicationBuilder AddEmbeddingService(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EmbeddingServiceOptions>().BindConfiguration(EmbeddingServiceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.AddEmbedder();
        builder.AddVectorStore();
        builder.Services.AddSingleton<KafkaVectorForwarder>();
        builder.Services.AddSingleton(sp =>
        {
            IVectorWriter output = sp.GetRequiredService<IOptions<EmbeddingServiceOptions>>().Value.Output == EmbeddingServiceOptions.KafkaOutput
                ? sp.GetRequiredService<KafkaVectorForwarder>()
                : sp.GetRequiredService<IVectorStore>();
            return ActivatorUtilities.CreateInstance<EmbeddingServiceStage>(sp, output);
        });
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EmbeddingServiceStage>());
        return builder;
    }
}
