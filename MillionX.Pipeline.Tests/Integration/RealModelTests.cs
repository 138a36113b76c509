using System.Numerics.Tensors;
using MillionX.Pipeline.Embedding;
using Xunit.Abstractions;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>The real all-MiniLM-L6-v2 (packaged fp32 and the int8 made from it), loaded once for these tests.</summary>
public sealed class RealModelFixture : IDisposable
{
    public OnnxTextEmbedder Fp32 { get; } = TestModels.Embedder(TestModels.RealFp32);

    public OnnxTextEmbedder Quantised { get; } = TestModels.Embedder(TestModels.RealInt8);

    public void Dispose()
    {
        Fp32.Dispose();
        Quantised.Dispose();
    }
}

/// <summary>
/// Known answers with the real weights: the sentence-transformers documentation's semantic-search table, and the
/// int8 model made here keeping its order.
/// </summary>
public sealed class RealModelTests(RealModelFixture fixture, ITestOutputHelper output) : IClassFixture<RealModelFixture>
{
    [Fact]
    public void Resolve_Default_PackagedFp32QuantisedToInt8AndPublished()
    {
        var fp32 = TestModels.RealFp32;
        var int8 = TestModels.RealInt8;

        Assert.Equal(PackagedMiniLm.Sha256, fp32.ModelSha256);
        Assert.Equal("fp32", fp32.Precision);
        Assert.Equal("fp32", fp32.PublishedVariant);
        Assert.Equal("int8", int8.Precision);
        Assert.Equal(PackagedMiniLm.Sha256, int8.SourceSha256);
        Assert.NotEqual(int8.SourceSha256, int8.ModelSha256);
        Assert.True(int8.IsPublishedModel);
        Assert.Contains("gate passed", int8.PrecisionNote, StringComparison.Ordinal);
        Assert.Equal(384, fixture.Quantised.Dimensions);
    }

    [Fact]
    public void DocumentationExample_Fp32_ReproducesPublishedScores() =>
        AssertDocumentationTable(fixture.Fp32, tolerance: 0.002);

    /// <summary>int8 keeps every query's published top-5 order; scores move by up to ~0.02 (measured), bounded at 0.03.</summary>
    [Fact]
    public void DocumentationExample_Int8_KeepsPublishedOrder() =>
        AssertDocumentationTable(fixture.Quantised, tolerance: 0.03);

    [Fact]
    public void Gate_RealFp32AgainstItsInt8_Passes()
    {
        var verdict = QuantisationGate.Check(fixture.Fp32, fixture.Quantised);
        output.WriteLine(verdict.Detail);

        Assert.True(verdict.Passed, verdict.Detail);
        Assert.True(verdict.MinCosine >= QuantisationGate.MinCosine);
    }

    [Fact]
    public void Gate_RealFp32AgainstRandomWeightStandIn_Fails()
    {
        // The stand-in has all-MiniLM-L6-v2's graph with random weights: a "quantised" model that lost the meaning.
        using var standIn = new OnnxTextEmbedder(TestModels.StandInModel, new MiniLmTokenizer(TestModels.Vocab));

        var verdict = QuantisationGate.Check(fixture.Fp32, standIn);

        Assert.False(verdict.Passed);
        Assert.True(verdict.MinCosine < QuantisationGate.MinCosine, verdict.Detail);
    }

    [Fact]
    public void Embed_Int8_VectorOfATextDoesNotDependOnItsBatch()
    {
        // Dynamic quantisation picks one activation scale per tensor: in a padded batch, batch-mates would move it.
        string[] batch = [MiniLmReference.CommerceTexts[0], .. MiniLmReference.Corpus, string.Join(' ', Enumerable.Repeat("long text with many words", 40))];

        var alone = fixture.Quantised.Embed([batch[0]])[0];
        var together = fixture.Quantised.Embed(batch)[0];

        Assert.True(fixture.Quantised.OneTextPerRun);
        Assert.Equal(alone, together);
    }

    private void AssertDocumentationTable(ITextEmbedder embedder, double tolerance)
    {
        var corpus = embedder.Embed(MiniLmReference.Corpus);
        foreach (var (query, top5) in MiniLmReference.Queries)
        {
            var q = embedder.Embed([query])[0];
            var ranked = MiniLmReference.Rank(q, corpus).Take(5).ToArray();
            var scores = ranked.Select(i => (double)TensorPrimitives.CosineSimilarity(q, corpus[i])).ToArray();
            output.WriteLine($"{query}: {string.Join(", ", ranked.Zip(scores, (i, s) => $"{i}:{s:0.0000}"))}");

            Assert.Equal(top5.Select(t => t.Corpus), ranked);
            for (int k = 0; k < 5; k++)
            {
                Assert.True(Math.Abs(scores[k] - top5[k].Score) <= tolerance, $"{query} rank {k + 1}: {scores[k]:0.0000} vs published {top5[k].Score:0.0000} (tolerance {tolerance})");
            }
        }
    }
}
