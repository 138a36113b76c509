using MillionX.Pipeline.Stages.DeadLetterMonitor;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class LabelValuesTests
{
    [Theory]
    [InlineData("privacy-shield")]
    [InlineData("out_of_range")]
    [InlineData("rejected_by_store")]
    public void Bound_KeepsNamesAndReasonCodes(string value) => Assert.Equal(value, new LabelValues().Bound(value));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("<script>window.__xss=1</script>")]
    [InlineData("Out Of Range")]
    [InlineData("a-reason-code-that-goes-on-for-far-too-many-characters")]
    public void Bound_HostileOrMalformedValue_IsOther(string? value) => Assert.Equal(LabelValues.Other, new LabelValues().Bound(value));

    [Fact]
    public void Bound_ManyDistinctValues_KeepsAtMostMaxAndCountsTheRestAsOther()
    {
        var labels = new LabelValues();
        var bound = Enumerable.Range(0, 1000).Select(i => labels.Bound($"reason_{i}")).ToList();

        Assert.Equal(LabelValues.Max + 1, bound.Distinct().Count());
        Assert.Equal(1000 - LabelValues.Max, bound.Count(b => b == LabelValues.Other));
        Assert.Equal("reason_3", labels.Bound("reason_3")); // a kept value stays kept
    }
}
