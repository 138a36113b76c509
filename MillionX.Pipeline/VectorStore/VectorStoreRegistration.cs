namespace MillionX.Pipeline.VectorStore;

public static class VectorStoreRegistration
{
    public const string HttpClientName = "weaviate";

    /// <summary>The configured vector store (the embedding stage writes it; the search command reads it).</summary>
    public static IHostApplicationBuilder AddVectorStore(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(IVectorStore)))
        {
            return builder; // embedding-service and vector-sink in one process share one store
        }

        builder.Services.AddValidatedOptions<VectorStoreOptions>(VectorStoreOptions.Section);
        // Weaviate's HttpClient retries 408, 429, 5xx, timeouts and failed connections (VectorStore:Weaviate:MaxAttempts, ...).
        builder.Services.AddRetryingHttpClient<WeaviateVectorStore>(
            HttpClientName,
            sp =>
            {
                var o = sp.GetRequiredService<IOptions<VectorStoreOptions>>().Value.Weaviate;
                return new HttpRetryPolicy(o.MaxAttempts, o.InitialBackoff, o.MaxBackoff, o.HttpTimeout);
            },
            WeaviateVectorStore.IsTransient);
        var warehousePath = builder.Configuration["Warehouse:DuckDb:Path"] ?? "data/millionx.duckdb";
        builder.Services.AddSingleton<IVectorStore>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<VectorStoreOptions>>().Value;
            return o.Store == "weaviate"
                ? new WeaviateVectorStore(sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName), o.Weaviate,
                    sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<WeaviateVectorStore>>())
                // DuckDB has one memory limit per database: on the warehouse's file it would cap the warehouse (and the
                // catalogue and dead-letter archive there) too, so the store's limit applies only to a file of its own.
                : string.IsNullOrWhiteSpace(o.DuckDbPath)
                    ? new DuckDbVectorStore(warehousePath, o.Dimensions, sp.GetRequiredService<ILogger<DuckDbVectorStore>>())
                    : new DuckDbVectorStore(o.DuckDbPath, o.Dimensions, sp.GetRequiredService<ILogger<DuckDbVectorStore>>(), o.DuckDbMemoryLimit);
        });
        return builder;
    }
}
