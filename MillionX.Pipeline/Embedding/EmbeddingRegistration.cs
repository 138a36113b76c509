using Microsoft.Extensions.Options;
using MillionX.Pipeline.Kafka;

namespace MillionX.Pipeline.Embedding;

public static class EmbeddingRegistration
{
    /// <summary>
    /// The sentence embedder, built once on first use: the configured model (path, cache or verified download).
    /// Only with the embedded broker, and only when that fails, <c>Embedding:DevelopmentModelPath</c> (an
    /// architecture-identical stand-in with random weights) is used instead, with a loud warning.
    /// </summary>
    public static IHostApplicationBuilder AddEmbedder(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EmbeddingOptions>().BindConfiguration(EmbeddingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHttpClient("model-download", c => c.Timeout = TimeSpan.FromMinutes(10));
        builder.Services.AddSingleton<ITextEmbedder>(sp =>
        {
            var options = Resolved(sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value);
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("MillionX.Pipeline.Embedding");
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("model-download");
            var model = ResolveModel(options, sp.GetRequiredService<IOptions<KafkaOptions>>().Value.IsEmbedded, http, logger);

            if (!model.IsPublishedModel)
            {
                logger.LogWarning(
                    "Embedding model {Path} (SHA-256 {Sha}) is not a published all-MiniLM-L6-v2 export: its vectors are NOT comparable with all-MiniLM-L6-v2 vectors.",
                    model.ModelPath, model.ModelSha256);
            }

            if (!model.IsPublishedVocab)
            {
                logger.LogWarning("Vocabulary {Path} is not the published all-MiniLM-L6-v2 vocab.txt", model.VocabPath);
            }

            logger.LogInformation("Embedding model {Path} ({Variant}), {Threads} intra-op threads", model.ModelPath, model.PublishedVariant ?? "unpublished", options.IntraOpThreads);
            return new OnnxTextEmbedder(model.ModelPath, new MiniLmTokenizer(model.VocabPath, options.MaxTokens), options.IntraOpThreads, options.IntraOpSpinning);
        });
        return builder;
    }

    /// <summary>
    /// The model files the pipeline would load for <paramref name="configured"/> (paths not yet resolved): the configured
    /// model, or, only with the embedded broker and only when that fails, the development stand-in (with a warning).
    /// </summary>
    public static ResolvedModel ResolveModel(EmbeddingOptions configured, bool embeddedBroker, HttpClient http, ILogger logger)
    {
        var options = Resolved(configured);
        try
        {
            return new ModelLoader(options, http, logger).ResolveAsync().GetAwaiter().GetResult();
        }
        catch (ModelLoadException ex) when (embeddedBroker && FindUpwards(options.DevelopmentModelPath) is { } dev)
        {
            logger.LogWarning(
                "The embedding model could not be loaded ({Error}). Running on the embedded broker, so the DEVELOPMENT stand-in model {Path} is used: "
                + "it has random weights and its vectors carry NO meaning. Set Embedding:ModelPath (or ModelSha256 + ModelUrl) for real embeddings.",
                ex.Message, dev);
            var fallback = Copy(options);
            fallback.ModelPath = dev;
            fallback.ModelSha256 = null;
            return new ModelLoader(fallback, http, logger).ResolveAsync().GetAwaiter().GetResult();
        }
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

    /// <summary>
    /// The development model's relative path is tried from the working directory and each of its parents, then from
    /// the binary's folder and its parents (dotnet run starts in the project folder, tests in bin/).
    /// </summary>
    internal static string? FindUpwards(string? relative)
    {
        if (string.IsNullOrWhiteSpace(relative))
        {
            return null;
        }

        if (Path.IsPathRooted(relative))
        {
            return File.Exists(relative) ? relative : null;
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.GetFullPath(Path.Combine(dir.FullName, relative));
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
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
        DevelopmentModelPath = o.DevelopmentModelPath,
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
