using System.ComponentModel.DataAnnotations;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.VectorStore;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class WeaviateOptionsTests
{
    private static List<string> Errors(WeaviateOptions o) =>
        [.. NestedValidation.Validate(o, WeaviateOptions.Section).Concat(o.Validate(new ValidationContext(o))).Select(r => r.ErrorMessage!)];

    [Fact]
    public void Validate_Defaults_WithUrl_AreValid()
    {
        var o = new WeaviateOptions { Url = "http://localhost:8080" };
        Assert.Empty(Errors(o));
        Assert.Equal("SocialPost", o.ClassName);
        Assert.Equal(100, o.BatchSize);
    }

    [Theory]
    [InlineData("", "SocialPost", 100, "Url")]
    [InlineData("localhost:8080", "SocialPost", 100, "Url")]
    [InlineData("ftp://x", "SocialPost", 100, "Url")]
    [InlineData("http://localhost:8080", "socialPost", 100, "ClassName")]
    [InlineData("http://localhost:8080", "Social-Post", 100, "ClassName")]
    [InlineData("http://localhost:8080", "SocialPost", 0, "BatchSize")]
    public void Validate_BadValue_NamesTheSetting(string url, string className, int batchSize, string setting)
    {
        var errors = Errors(new WeaviateOptions { Url = url, ClassName = className, BatchSize = batchSize });
        Assert.Contains(errors, e => e.Contains(setting, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_BackoffAndTimeout_MustBePositiveAndOrdered()
    {
        Assert.NotEmpty(Errors(new WeaviateOptions { Url = "http://x", InitialBackoff = TimeSpan.Zero }));
        Assert.NotEmpty(Errors(new WeaviateOptions { Url = "http://x", InitialBackoff = TimeSpan.FromSeconds(5), MaxBackoff = TimeSpan.FromSeconds(1) }));
        Assert.NotEmpty(Errors(new WeaviateOptions { Url = "http://x", HttpTimeout = TimeSpan.Zero }));
        Assert.NotEmpty(Errors(new WeaviateOptions { Url = "http://x", MaxAttempts = 0 }));
    }

    [Fact]
    public void Validate_HttpTimeout_WithinWhatThePerAttemptTimeoutTakes()
    {
        Assert.Contains(Errors(new WeaviateOptions { Url = "http://x", HttpTimeout = TimeSpan.FromMilliseconds(5) }), e => e.Contains("HttpTimeout", StringComparison.Ordinal));
        Assert.NotEmpty(Errors(new WeaviateOptions { Url = "http://x", HttpTimeout = TimeSpan.FromDays(2) }));
        Assert.Empty(Errors(new WeaviateOptions { Url = "http://x", HttpTimeout = TimeSpan.FromMilliseconds(10) }));
    }
}
