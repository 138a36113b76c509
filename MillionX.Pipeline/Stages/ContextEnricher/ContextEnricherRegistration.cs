namespace MillionX.Pipeline.Stages.ContextEnricher;

public static class ContextEnricherRegistration
{
    /// <summary>The enricher's options, its catalogue store and, with semantic matching, the embedder and its catalogue.</summary>
    public static void AddCatalogue(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<ContextEnricherOptions>(ContextEnricherOptions.Section);
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
            builder.AddStage<SemanticCatalogue>();
        }
    }
}
