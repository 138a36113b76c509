namespace MillionX.Pipeline.Embedding;

public static class EmbeddingRegistration
{
    /// <summary>The key of the embedder that serves interactive searches.</summary>
    public const string SearchEmbedderKey = "search";

    /// <summary>
    /// The sentence embedder, built once on first use: the configured model (path, cache, the packaged
    /// all-MiniLM-L6-v2, or a verified download), int8 when <c>Embedding:Precision</c> asks for it and the gate passes.
    /// </summary>
    public static IHostApplicationBuilder AddEmbedder(this IHostApplicationBuilder builder)
    {
        // Several stages of one process (embedding-service, context-enricher) share one model session.
        if (builder.Services.Any(d => d.ServiceType == typeof(ITextEmbedder)))
        {
            return builder;
        }

        builder.Services.AddValidatedOptions<EmbeddingOptions>(EmbeddingOptions.Section);
        builder.Services.AddHttpClient("model-download", c => c.Timeout = TimeSpan.FromMinutes(10));
        builder.Services.AddSingleton(sp =>
        {
            var options = Resolved(sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value);
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("MillionX.Pipeline.Embedding");
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("model-download");
            return ResolveModel(options, http, logger);
        });
        builder.Services.AddSingleton<ITextEmbedder>(sp =>
            OnnxTextEmbedder.Create(sp.GetRequiredService<ResolvedModel>(), sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value));

        // Queries typed into /search run on a session of their own (one thread, built on the first query), so a search
        // never waits for the embedding stage's batch nor holds the stage's session while the stage has work.
        builder.Services.AddKeyedSingleton<ITextEmbedder>(SearchEmbedderKey, (sp, _) =>
        {
            var options = sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value;
            return OnnxTextEmbedder.Create(sp.GetRequiredService<ResolvedModel>(), new EmbeddingOptions { MaxTokens = options.MaxTokens, IntraOpThreads = 1 });
        });
        return builder;
    }

    /// <summary>Resolves the model files for <paramref name="configured"/> (paths not yet resolved) and logs what runs.</summary>
    public static ResolvedModel ResolveModel(EmbeddingOptions configured, HttpClient http, ILogger logger)
    {
        var options = Resolved(configured);
        var model = new ModelLoader(options, http, logger).ResolveAsync().GetAwaiter().GetResult();
        if (!model.IsPublishedModel)
        {
            logger.LogWarning(
                "Embedding model {Path} (SHA-256 {Sha}) is not a published all-MiniLM-L6-v2 export: its vectors are NOT comparable with all-MiniLM-L6-v2 vectors.",
                model.ModelPath, model.SourceSha256);
        }

        if (!model.IsPublishedVocab)
        {
            logger.LogWarning("Vocabulary {Path} is not the published all-MiniLM-L6-v2 vocab.txt", model.VocabPath);
        }

        logger.LogInformation("Embedding model {Model} at {Path}: {Note}; {Threads} intra-op threads", model.Describe(), model.ModelPath, model.PrecisionNote, options.IntraOpThreads);
        return model;
    }

    /// <summary>Relative paths are tried against the working directory, then beside the binary.</summary>
    internal static string? ResolvePath(string? path)
    {
        if (string.IsNullOrWhiteSpace(path) || Path.IsPathRooted(path) || File.Exists(path))
        {
            return path;
        }

        var beside = Path.Combine(AppContext.BaseDirectory, path);
        return File.Exists(beside) ? beside : path;
    }

    internal static EmbeddingOptions Resolved(EmbeddingOptions o)
    {
        var copy = Copy(o);
        copy.ModelPath = ResolvePath(o.ModelPath);
        copy.VocabPath = ResolvePath(o.VocabPath) ?? "";
        return copy;
    }

    private static EmbeddingOptions Copy(EmbeddingOptions o) => new()
    {
        ModelPath = o.ModelPath,
        Precision = o.Precision,
        VocabPath = o.VocabPath,
        ModelSha256 = o.ModelSha256,
        ModelUrl = o.ModelUrl,
        CacheDirectory = o.CacheDirectory,
        MaxTokens = o.MaxTokens,
        IntraOpThreads = o.IntraOpThreads,
        IntraOpSpinning = o.IntraOpSpinning,
        MaxBatchSize = o.MaxBatchSize,
        MaxBatchWait = o.MaxBatchWait,
        QueueCapacity = o.QueueCapacity,
    };
}
