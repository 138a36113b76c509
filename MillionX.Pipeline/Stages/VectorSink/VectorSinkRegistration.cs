using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.VectorStore;

namespace MillionX.Pipeline.Stages.VectorSink;

public static class VectorSinkRegistration
{
    public static readonly StageDefinition Definition = new(
        VectorSinkStage.StageName, StageKind.Processor,
        "Loads embedded posts from enriched.embeddings into the vector store in batches (when embedding-service runs with Output = kafka).",
        AddVectorSink);

    public static IHostApplicationBuilder AddVectorSink(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<VectorSinkOptions>().BindConfiguration(VectorSinkOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.AddVectorStore();
        builder.Services.AddSingleton<VectorSinkStage>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<VectorSinkStage>());
        return builder;
    }
}
