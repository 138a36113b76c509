using MillionX.Pipeline.Stages.EmbeddingService;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class EmbeddingBatcherTests
{
    [Fact]
    public void Plan_MixedLengths_GroupsSimilarLengthsWithBoundedPadding()
    {
        int[] tokens = [12, 200, 14, 90, 13, 95, 210, 15, 88];
        var batches = EmbeddingBatcher.Plan(tokens, maxBatch: 32);

        Assert.Equal(Enumerable.Range(0, tokens.Length), batches.SelectMany(b => b).Order());
        foreach (var b in batches)
        {
            var padded = b.Max(i => tokens[i]) * b.Count;
            Assert.True(padded <= b.Sum(i => tokens[i]) * (1 + EmbeddingBatcher.MaxPaddingRatio), $"batch {string.Join(",", b.Select(i => tokens[i]))} pads too much");
        }

        Assert.Equal(3, batches.Count);
        Assert.Equal([0, 2, 4, 7], batches[0].Order());
    }

    [Fact]
    public void Plan_RespectsMaxBatch()
    {
        var batches = EmbeddingBatcher.Plan(Enumerable.Repeat(20, 100).ToArray(), maxBatch: 32);
        Assert.Equal([32, 32, 32, 4], batches.Select(b => b.Count));
    }

    [Fact]
    public void Plan_Empty_NoBatches() => Assert.Empty(EmbeddingBatcher.Plan([], 8));
}
