using MillionX.Pipeline.Sources;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class TopicPlanTests
{
    private static Dictionary<string, TopicSpec> Catalog(params (string Topic, int Partitions)[] topics) =>
        topics.ToDictionary(t => t.Topic, t => new TopicSpec { Partitions = t.Partitions, RetentionDays = 7 });

    [Fact]
    public void Compute_TopicMissingOnBroker_Create()
    {
        var action = Assert.Single(TopicPlan.Compute(Catalog(("a", 6)), new Dictionary<string, int>()));

        Assert.Equal("a", action.Topic);
        Assert.Equal(TopicActionKind.Create, action.Kind);
        Assert.Contains("6 partitions", action.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_SamePartitions_Ok()
    {
        var action = Assert.Single(TopicPlan.Compute(Catalog(("a", 6)), new Dictionary<string, int> { ["a"] = 6 }));

        Assert.Equal(TopicActionKind.Ok, action.Kind);
    }

    [Theory]
    [InlineData(6, 4)]
    [InlineData(6, 12)]
    [InlineData(1, 2)]
    public void Compute_DifferentPartitions_MismatchNeverResize(int catalog, int existing)
    {
        var action = Assert.Single(TopicPlan.Compute(Catalog(("a", catalog)), new Dictionary<string, int> { ["a"] = existing }));

        Assert.Equal(TopicActionKind.Mismatch, action.Kind);
        Assert.Contains(existing.ToString(System.Globalization.CultureInfo.InvariantCulture), action.Detail, StringComparison.Ordinal);
        Assert.Contains(catalog.ToString(System.Globalization.CultureInfo.InvariantCulture), action.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_MixedCatalog_OneActionPerCatalogTopicSortedByName()
    {
        var plan = TopicPlan.Compute(
            Catalog(("c", 2), ("a", 3), ("b", 4)),
            new Dictionary<string, int> { ["a"] = 3, ["b"] = 1, ["z-not-in-catalog"] = 9 });

        Assert.Equal(
            [("a", TopicActionKind.Ok), ("b", TopicActionKind.Mismatch), ("c", TopicActionKind.Create)],
            plan.Select(p => (p.Topic, p.Kind)).ToArray());
    }

    [Fact]
    public void Compute_BrokerTopicsNotInCatalog_NeverMentioned()
    {
        var plan = TopicPlan.Compute(new Dictionary<string, TopicSpec>(), new Dictionary<string, int> { ["legacy"] = 3, ["other"] = 1 });

        Assert.Empty(plan);
    }

    [Fact]
    public void Compute_CreateDetail_ShowsRetentionOrBrokerDefault()
    {
        var catalog = new Dictionary<string, TopicSpec>
        {
            ["kept"] = new() { Partitions = 2, RetentionDays = 14 },
            ["default"] = new() { Partitions = 2 },
        };

        var plan = TopicPlan.Compute(catalog, new Dictionary<string, int>()).ToDictionary(a => a.Topic);

        Assert.Contains("14 d", plan["kept"].Detail, StringComparison.Ordinal);
        Assert.Contains("broker default", plan["default"].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_AnyInput_OnlyCreateOkOrMismatch()
    {
        var catalog = Catalog(Topics.All.Select((t, i) => (t, (i % 4) + 1)).ToArray());
        var existing = Topics.All.Where((_, i) => i % 3 != 0).ToDictionary(t => t, t => t.Length % 5);

        var plan = TopicPlan.Compute(catalog, existing);

        Assert.Equal(Topics.All.Order(StringComparer.Ordinal), plan.Select(a => a.Topic));
        Assert.All(plan, a => Assert.Contains(a.Kind, new[] { TopicActionKind.Create, TopicActionKind.Ok, TopicActionKind.Mismatch }));
        Assert.All(plan, a => Assert.Equal(
            !existing.TryGetValue(a.Topic, out var have) ? TopicActionKind.Create
            : have == catalog[a.Topic].Partitions ? TopicActionKind.Ok : TopicActionKind.Mismatch,
            a.Kind));
    }

    [Theory]
    [InlineData(Topics.SocialTiktok, Topics.DeadLettersSocial)]
    [InlineData(Topics.SocialFacebook, Topics.DeadLettersSocial)]
    [InlineData("source.social.youtube", Topics.DeadLettersSocial)]
    [InlineData(Topics.AnonymisedPosts, Topics.DeadLettersSocial)]
    [InlineData(Topics.EnrichedPosts, Topics.DeadLettersSocial)]
    [InlineData(Topics.MarketShopify, Topics.DeadLettersMarket)]
    [InlineData(Topics.MarketDaraz, Topics.DeadLettersMarket)]
    [InlineData(Topics.AnonymisedOrders, Topics.DeadLettersMarket)]
    [InlineData(Topics.Weather, Topics.DeadLettersWeather)]
    public void DeadLetterTopicFor_KnownTopic_MapsToItsDeadLetterTopic(string topic, string expected)
    {
        Assert.Equal(expected, Topics.DeadLetterTopicFor(topic));
    }

    [Theory]
    [InlineData("orders")]
    [InlineData("")]
    [InlineData("SOURCE.SOCIAL.TIKTOK")]
    [InlineData(Topics.DeadLettersSocial)]
    [InlineData(Topics.DeadLettersWeather)]
    [InlineData("context.weather.v2")]
    public void DeadLetterTopicFor_UnknownTopic_Throws(string topic)
    {
        var ex = Assert.Throws<ArgumentException>(() => Topics.DeadLetterTopicFor(topic));

        Assert.Contains($"'{topic}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeadLetterTopicFor_EveryNonDeadLetterTopic_HasADeadLetterTopicInTheCatalog()
    {
        foreach (var topic in Topics.All.Except(Topics.DeadLetters))
        {
            Assert.Contains(Topics.DeadLetterTopicFor(topic), Topics.DeadLetters);
        }
    }

    [Theory]
    [InlineData(SourceKind.Tiktok, Topics.SocialTiktok, Topics.DeadLettersSocial)]
    [InlineData(SourceKind.Facebook, Topics.SocialFacebook, Topics.DeadLettersSocial)]
    [InlineData(SourceKind.Shopify, Topics.MarketShopify, Topics.DeadLettersMarket)]
    [InlineData(SourceKind.Daraz, Topics.MarketDaraz, Topics.DeadLettersMarket)]
    [InlineData(SourceKind.Weather, Topics.Weather, Topics.DeadLettersWeather)]
    public void Topic_EachSourceKind_MapsToSourceAndDeadLetterTopic(SourceKind kind, string topic, string deadLetterTopic)
    {
        Assert.Equal(topic, kind.Topic());
        Assert.Equal(deadLetterTopic, kind.DeadLetterTopic());
        Assert.True(SourceKinds.TryParse(kind.Name().ToUpperInvariant(), out var parsed));
        Assert.Equal(kind, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("instagram")]
    public void TryParse_UnknownSourceName_ReturnsFalse(string? name)
    {
        Assert.False(SourceKinds.TryParse(name, out _));
    }
}
