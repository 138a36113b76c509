using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MillionX.Pipeline.Embedding;

/// <summary>The model or vocabulary cannot be loaded as configured; the message names the settings to change.</summary>
public sealed class ModelLoadException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>The files an embedder loads, their hashes, and whether they are the published all-MiniLM-L6-v2 ones.</summary>
public sealed record ResolvedModel(
    string ModelPath,
    string ModelSha256,
    string? PublishedVariant,
    string VocabPath,
    string VocabSha256,
    bool IsPublishedVocab,
    bool Downloaded)
{
    /// <summary>
    /// False: the weights are not a published all-MiniLM-L6-v2 export, so its vectors are not comparable with
    /// vectors anyone else computed with all-MiniLM-L6-v2 (the caller should warn).
    /// </summary>
    public bool IsPublishedModel => PublishedVariant is not null;
}

/// <summary>SHA-256 hashes of the published all-MiniLM-L6-v2 files (Hugging Face repo Xenova/all-MiniLM-L6-v2).</summary>
public static class PublishedMiniLm
{
    public const string Fp32Sha256 = "759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e";
    public const string Int8Sha256 = "afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1";
    public const string Fp16Sha256 = "2cdb5e58291813b6d6e248ed69010100246821a367fa17b1b81ae9483744533d";
    public const string VocabSha256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3";

    /// <summary><c>fp32</c>, <c>int8</c> or <c>fp16</c> for a published model file's hash; null for anything else.</summary>
    public static string? Variant(string sha256) => sha256.ToLowerInvariant() switch
    {
        Fp32Sha256 => "fp32",
        Int8Sha256 => "int8",
        Fp16Sha256 => "fp16",
        _ => null,
    };
}

/// <summary>
/// Finds the model file: <c>Embedding:ModelPath</c> if set; else <c>{sha256}.onnx</c> in
/// <c>Embedding:CacheDirectory</c>; else downloads <c>Embedding:ModelUrl</c> to a temporary file, verifies it and
/// moves it into the cache. A file is always checked against <c>Embedding:ModelSha256</c> when that is set, so a
/// wrong, truncated or tampered file never reaches the runtime.
/// </summary>
public sealed class ModelLoader(EmbeddingOptions options, HttpClient http, ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public async Task<ResolvedModel> ResolveAsync(CancellationToken ct = default)
    {
        var expected = string.IsNullOrWhiteSpace(options.ModelSha256) ? null : options.ModelSha256.Trim().ToLowerInvariant();
        string modelPath, actual;
        bool downloaded = false;

        if (!string.IsNullOrWhiteSpace(options.ModelPath))
        {
            modelPath = options.ModelPath;
            if (!File.Exists(modelPath))
            {
                throw new ModelLoadException(
                    $"Embedding:ModelPath '{modelPath}' does not exist. Point Embedding:ModelPath at the ONNX model file, or leave it empty and set Embedding:ModelSha256 and Embedding:ModelUrl to download the model into Embedding:CacheDirectory.");
            }

            actual = await Sha256OfFileAsync(modelPath, ct);
            if (expected is not null && actual != expected)
            {
                throw new ModelLoadException(
                    $"The model file '{modelPath}' (Embedding:ModelPath) has SHA-256 {actual}, but Embedding:ModelSha256 is {expected}. Point Embedding:ModelPath at the intended file, or set Embedding:ModelSha256 to the hash of the file you trust.");
            }
        }
        else
        {
            if (expected is null)
            {
                throw new ModelLoadException(
                    "No embedding model configured: set Embedding:ModelPath to a local ONNX file, or Embedding:ModelSha256 (and Embedding:ModelUrl to download it).");
            }

            modelPath = Path.Combine(options.CacheDirectory, expected + ".onnx");
            if (File.Exists(modelPath))
            {
                actual = await Sha256OfFileAsync(modelPath, ct);
                if (actual != expected)
                {
                    // A damaged cache entry (disk fault, hand edit): discard it and fetch again if a URL is configured.
                    _logger.LogWarning("Cached model {Path} has SHA-256 {Actual}, not {Expected}; discarding it", modelPath, actual, expected);
                    File.Delete(modelPath);
                }
            }

            if (!File.Exists(modelPath))
            {
                if (string.IsNullOrWhiteSpace(options.ModelUrl))
                {
                    throw new ModelLoadException(
                        $"The model with SHA-256 {expected} (Embedding:ModelSha256) is not in Embedding:CacheDirectory '{options.CacheDirectory}' and Embedding:ModelUrl is not set. Set Embedding:ModelUrl to download it, or Embedding:ModelPath to a local file.");
                }

                await DownloadAsync(options.ModelUrl, expected, modelPath, ct);
                downloaded = true;
            }

            actual = expected;
        }

        var variant = PublishedMiniLm.Variant(actual);
        var (vocabPath, vocabSha) = await ResolveVocabAsync(ct);
        return new ResolvedModel(modelPath, actual, variant, vocabPath, vocabSha, vocabSha == PublishedMiniLm.VocabSha256, downloaded);
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
