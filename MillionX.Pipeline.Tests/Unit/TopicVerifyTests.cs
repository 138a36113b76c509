namespace MillionX.Pipeline.Tests.Unit;

/// <summary><see cref="TopicPlan.Verify"/>: what <c>topics verify</c> reports for each catalog topic.</summary>
public sealed class TopicVerifyTests
{
    private static readonly Dictionary<string, TopicSpec> Catalog = new()
    {
        ["a"] = new TopicSpec { Partitions = 6, RetentionDays = 7 },
        ["b"] = new TopicSpec { Partitions = 4 },
    };

    private const string SevenDays = "604800000";

    [Fact]
    public void Verify_BrokerMatchesCatalog_AllOk()
    {
        var checks = TopicPlan.Verify(Catalog, new Dictionary<string, ObservedTopic> { ["a"] = new(6, SevenDays), ["b"] = new(4, "1000") }, checkRetention: true);

        Assert.Equal(["a", "b"], checks.Select(c => c.Topic));
        Assert.All(checks, c => Assert.True(c.IsOk));
    }

    [Fact]
    public void Verify_TopicAbsent_MissingNamingCreate()
    {
        var check = TopicPlan.Verify(Catalog, new Dictionary<string, ObservedTopic> { ["b"] = new(4, null) }, checkRetention: true)[0];

        Assert.Equal(TopicCheckStatus.Missing, check.Status);
        Assert.Null(check.HavePartitions);
        Assert.Contains("topics create", check.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(12)]
    public void Verify_OtherPartitionCount_PartitionsDifferAndSaysNeverChanged(int have)
    {
        var check = TopicPlan.Verify(Catalog, new Dictionary<string, ObservedTopic> { ["a"] = new(have, SevenDays), ["b"] = new(4, null) }, checkRetention: true)[0];

        Assert.Equal(TopicCheckStatus.PartitionsDiffer, check.Status);
        Assert.Contains($"has {have} partitions, the catalog says 6", check.Message, StringComparison.Ordinal);
        Assert.Contains("never changed", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_OtherRetention_RetentionDiffers()
    {
        var check = TopicPlan.Verify(Catalog, new Dictionary<string, ObservedTopic> { ["a"] = new(6, "86400000"), ["b"] = new(4, null) }, checkRetention: true)[0];

        Assert.Equal(TopicCheckStatus.RetentionDiffers, check.Status);
        Assert.Contains("retention.ms=86400000, the catalog says 604800000", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RetentionUnreadable_UnverifiedUnlessSkipped()
    {
        var observed = new Dictionary<string, ObservedTopic> { ["a"] = new(6, null), ["b"] = new(4, null) };

        var checks = TopicPlan.Verify(Catalog, observed, checkRetention: true);
        var skipped = TopicPlan.Verify(Catalog, observed, checkRetention: false);

        Assert.Equal(TopicCheckStatus.RetentionUnverified, checks[0].Status);
        // "b" leaves retention to the broker's default: nothing to verify.
        Assert.Equal(TopicCheckStatus.Ok, checks[1].Status);
        Assert.All(skipped, c => Assert.Equal(TopicCheckStatus.Ok, c.Status));
    }

    [Fact]
    public void Verify_TopicsOutsideTheCatalog_Ignored()
    {
        var checks = TopicPlan.Verify(Catalog,
            new Dictionary<string, ObservedTopic> { ["a"] = new(6, SevenDays), ["b"] = new(4, null), ["__consumer_offsets"] = new(50, null) }, checkRetention: true);

        Assert.Equal(2, checks.Count);
    }
}
