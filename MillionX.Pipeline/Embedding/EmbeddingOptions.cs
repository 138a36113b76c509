namespace MillionX.Pipeline.Embedding;

/// <summary>
/// The <c>Embedding</c> section: which ONNX model and vocabulary to load (or download and cache), inference threads,
/// and the micro-batching knobs of the stage that embeds posts.
/// </summary>
public sealed class EmbeddingOptions : IValidatableObject
{
    public const string Section = "Embedding";

    public const string Int8Precision = "int8", Fp32Precision = "fp32";

    /// <summary>
    /// A local ONNX file. Empty: the model is looked up in <see cref="CacheDirectory"/> by its SHA-256, else the
    /// packaged all-MiniLM-L6-v2 is extracted there, else it is downloaded from <see cref="ModelUrl"/>.
    /// </summary>
    public string? ModelPath { get; set; }

    /// <summary>
    /// <c>int8</c> (default): the model's MatMul weights are quantised once (cached) and the result runs if it passes
    /// the quality gate, else fp32 runs with a warning. <c>fp32</c>: the model runs as it is.
    /// </summary>
    [RegularExpression("^(int8|fp32)$", ErrorMessage = "Embedding:Precision must be int8 or fp32.")]
    public string Precision { get; set; } = Int8Precision;

    /// <summary>WordPiece vocabulary (all-MiniLM-L6-v2's vocab.txt).</summary>
    [Required(ErrorMessage = "Embedding:VocabPath is required (the model's vocab.txt).")]
    public string VocabPath { get; set; } = "";

    /// <summary>
    /// Expected SHA-256 (hex) of the model file: always verified when set. With <see cref="ModelPath"/> empty it names
    /// the cached file and proves a download is the intended model; empty means the packaged all-MiniLM-L6-v2's hash.
    /// </summary>
    [RegularExpression("^[0-9a-fA-F]{64}$", ErrorMessage = "Embedding:ModelSha256 must be 64 hex digits.")]
    public string? ModelSha256 { get; set; }

    /// <summary>Where to download the model when <see cref="ModelPath"/> is empty, the cache lacks it and it is not the packaged one (http or https).</summary>
    public string? ModelUrl { get; set; }

    /// <summary>
    /// Extracted and downloaded models live here as <c>{sha256}.onnx</c>, int8 models made from them as
    /// <c>{sha256}.int8.onnx</c> with the gate's record; relative paths are relative to the working directory.
    /// </summary>
    [Required(ErrorMessage = "Embedding:CacheDirectory is required.")]
    public string CacheDirectory { get; set; } = "data/models";

    /// <summary>Tokens per text after truncation, [CLS] and [SEP] included (all-MiniLM-L6-v2 was trained with 256; BERT's positions stop at 512).</summary>
    [Range(8, 512, ErrorMessage = "Embedding:MaxTokens must be between 8 and 512.")]
    public int MaxTokens { get; set; } = MiniLmTokenizer.DefaultMaxTokens;

    /// <summary>ONNX Runtime intra-op threads per inference.</summary>
    [Range(1, 64, ErrorMessage = "Embedding:IntraOpThreads must be between 1 and 64.")]
    public int IntraOpThreads { get; set; } = 2;

    /// <summary>
    /// Whether ONNX Runtime's intra-op threads spin between parallel sections instead of sleeping. Off by default:
    /// spinning threads take the cores the consumer, librdkafka and the rest of the host need, and on a busy
    /// 2-core machine a spinning pool waits on descheduled peers (measured: 2 spinning threads ran single texts at
    /// half the rate of 2 sleeping ones under load).
    /// </summary>
    public bool IntraOpSpinning { get; set; }

    /// <summary>Most records in one store write of the embedding stage, and most texts its model thread takes at once.</summary>
    [Range(1, 1024, ErrorMessage = "Embedding:MaxBatchSize must be between 1 and 1024.")]
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>How long a store-write window waits to fill after its first record; inference never waits for it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10", ErrorMessage = "Embedding:MaxBatchWait must be between 0 and 10 seconds.")]
    public TimeSpan MaxBatchWait { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Records held between the consumer and the store (waiting for the model or a write): when full, the consumer waits (backpressure).</summary>
    [Range(1, 1_000_000, ErrorMessage = "Embedding:QueueCapacity must be between 1 and 1000000.")]
    public int QueueCapacity { get; set; } = 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ModelPath) && !string.IsNullOrWhiteSpace(ModelUrl) && string.IsNullOrWhiteSpace(ModelSha256))
        {
            yield return new ValidationResult(
                "Embedding:ModelUrl needs Embedding:ModelSha256, the SHA-256 of the file it serves (a download is only used once its hash is checked).",
                [nameof(ModelUrl), nameof(ModelSha256)]);
        }

        if (!string.IsNullOrWhiteSpace(ModelUrl)
            && !(Uri.TryCreate(ModelUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)))
        {
            yield return new ValidationResult("Embedding:ModelUrl must be an absolute http or https URL.", [nameof(ModelUrl)]);
        }

        if (QueueCapacity < MaxBatchSize)
        {
            yield return new ValidationResult("Embedding:QueueCapacity must be at least Embedding:MaxBatchSize.", [nameof(QueueCapacity)]);
        }
    }
}
