using Microsoft.Extensions.Options;
using MillionX.Pipeline.Embedding;
using MillionX.Pipeline.Hosting;

namespace MillionX.Pipeline.Stages.ContextEnricher;

public static class ContextEnricherRegistration
{
    public static readonly StageDefinition Definition = new(
        ContextEnricherStage.StageName, StageKind.Processor,
        "Learns the product catalogue from orders and adds matched products to posts; sink.weaviate.vectors to enriched.weaviate.vectors.", AddContextEnricher);

    public static IHostApplicationBuilder AddContextEnricher(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ContextEnricherOptions>().BindConfiguration(ContextEnricherOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ICatalogueStore>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ContextEnricherOptions>>().Value;
            return o.Store == "redis"
                ? new RedisCatalogueStore(o.RedisConnection, o.RedisKeyPrefix, sp.GetRequiredService<ILogger<RedisCatalogueStore>>())
                : new MemoryCatalogueStore(
                    string.IsNullOrWhiteSpace(o.DuckDbPath) ? builder.Configuration["Warehouse:DuckDb:Path"] ?? "data/millionx.duckdb" : o.DuckDbPath,
                    sp.GetRequiredService<ILogger<MemoryCatalogueStore>>());
        });
        if (builder.Configuration.GetValue($"{ContextEnricherOptions.Section}:SemanticMatching", true))
        {
            builder.AddEmbedder();
            builder.Services.AddSingleton<SemanticCatalogue>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<SemanticCatalogue>());
        }

        builder.Services.AddSingleton<ContextEnricherStage>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ContextEnricherStage>());
        return builder;
    }
}
