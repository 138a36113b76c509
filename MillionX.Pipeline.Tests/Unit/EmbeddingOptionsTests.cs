using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using MillionX.Pipeline.Embedding;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class EmbeddingOptionsTests
{
    private static List<ValidationResult> Validate(EmbeddingOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    private static EmbeddingOptions Valid() => new() { ModelPath = "model.onnx", VocabPath = "vocab.txt" };

    [Fact]
    public void Validate_DefaultsWithPaths_NoErrors()
    {
        var options = Valid();
        Assert.Empty(Validate(options));
        Assert.Equal(256, options.MaxTokens);
        Assert.Equal(2, options.IntraOpThreads);
        Assert.Equal(32, options.MaxBatchSize);
        Assert.Equal(TimeSpan.FromMilliseconds(5), options.MaxBatchWait);
        Assert.Equal(1024, options.QueueCapacity);
        Assert.Equal("data/models", options.CacheDirectory);
        Assert.Equal("int8", options.Precision);
    }

    [Fact]
    public void Validate_NeitherPathNorHash_ValidBecauseThePackagedModelRuns() =>
        Assert.Empty(Validate(new EmbeddingOptions { VocabPath = "vocab.txt" }));

    [Fact]
    public void Validate_UrlWithoutHash_NamesTheSettings()
    {
        var error = Assert.Single(Validate(new EmbeddingOptions { VocabPath = "vocab.txt", ModelUrl = "https://models.example/m.onnx" }));
        Assert.Contains("Embedding:ModelUrl", error.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("Embedding:ModelSha256", error.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HashAndUrlWithoutPath_NoErrors() =>
        Assert.Empty(Validate(new EmbeddingOptions { VocabPath = "v.txt", ModelSha256 = new string('a', 64), ModelUrl = "https://models.example/m.onnx" }));

    [Theory]
    [InlineData("ModelSha256", "abc")]
    [InlineData("Precision", "fp16")]
    [InlineData("ModelUrl", "ftp://example/m.onnx")]
    [InlineData("ModelUrl", "models/m.onnx")]
    [InlineData("MaxTokens", "4")]
    [InlineData("MaxTokens", "1024")]
    [InlineData("IntraOpThreads", "0")]
    [InlineData("MaxBatchSize", "0")]
    [InlineData("MaxBatchWait", "00:01:00")]
    [InlineData("QueueCapacity", "8")]
    [InlineData("VocabPath", "")]
    public void Validate_BadValue_FailsNamingTheKey(string key, string value)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Embedding:ModelPath"] = "model.onnx",
            ["Embedding:VocabPath"] = "vocab.txt",
            [$"Embedding:{key}"] = value,
        }).Build();
        var options = config.GetSection(EmbeddingOptions.Section).Get<EmbeddingOptions>()!;

        var errors = Validate(options);

        Assert.Contains(errors, e => e.ErrorMessage!.Contains($"Embedding:{key}", StringComparison.Ordinal));
    }

    [Fact]
    public void Bind_EmbeddingSection_ReadsEveryKnob()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Embedding:ModelSha256"] = PublishedMiniLm.Int8Sha256,
            ["Embedding:ModelUrl"] = "https://models.example/model_quantized.onnx",
            ["Embedding:VocabPath"] = "/models/vocab.txt",
            ["Embedding:CacheDirectory"] = "/var/cache/models",
            ["Embedding:MaxTokens"] = "128",
            ["Embedding:IntraOpThreads"] = "4",
            ["Embedding:MaxBatchSize"] = "16",
            ["Embedding:MaxBatchWait"] = "00:00:00.010",
            ["Embedding:QueueCapacity"] = "256",
        }).Build();

        var options = config.GetSection(EmbeddingOptions.Section).Get<EmbeddingOptions>()!;

        Assert.Empty(Validate(options));
        Assert.Equal((128, 4, 16, 256), (options.MaxTokens, options.IntraOpThreads, options.MaxBatchSize, options.QueueCapacity));
        Assert.Equal(TimeSpan.FromMilliseconds(10), options.MaxBatchWait);
        Assert.Equal("/var/cache/models", options.CacheDirectory);
    }

    [Theory]
    [InlineData(PublishedMiniLm.Fp32Sha256, "fp32")]
    [InlineData(PublishedMiniLm.Int8Sha256, "int8")]
    [InlineData(PackagedMiniLm.Sha256, "fp32")]
    [InlineData("2CDB5E58291813B6D6E248ED69010100246821A367FA17B1B81AE9483744533D", "fp16")]
    [InlineData("38589b5f205a7f68f399a79660347005ac0c1c6d38edad0e514647c7938e1832", null)]
    public void PublishedVariant_Hash_NamesPublishedFilesOnly(string sha256, string? variant) =>
        Assert.Equal(variant, PublishedMiniLm.Variant(sha256));
}
