namespace MillionX.Pipeline.Stages.EmbeddingService;

public static class EmbeddingServiceRegistration
{
    /// <summary>The stage is built with its output: the vector store, or Kafka for the vector-sink role.</summary>
    public static IHostApplicationBuilder AddEmbeddingService(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<EmbeddingServiceOptions>(EmbeddingServiceOptions.Section);
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
