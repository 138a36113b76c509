namespace MillionX.Pipeline.Kafka;

/// <summary>Topic names of the pipeline; partition counts and retention live in the <c>Kafka:Topics</c> catalog.</summary>
public static class Topics
{
    public const string SocialTiktok = "source.social.tiktok";
    public const string SocialFacebook = "source.social.facebook";
    public const string MarketShopify = "source.market.shopify";
    public const string MarketDaraz = "source.market.daraz";
    public const string Weather = "context.weather";
    /// <summary>Anonymised orders, for the warehouse and the catalogue (the wire name is the plan's).</summary>
    public const string AnonymisedOrders = "sink.snowflake.orders";

    /// <summary>Anonymised posts, before enrichment: no vectors yet, whatever the plan's wire name says.</summary>
    public const string AnonymisedPosts = "sink.weaviate.vectors";

    /// <summary>Posts with their matched products, to be embedded: no vectors yet either.</summary>
    public const string EnrichedPosts = "enriched.weaviate.vectors";

    /// <summary>Embedded posts (text, properties and vector) from the embedding stage to the vector-sink role, when they run apart.</summary>
    public const string EnrichedEmbeddings = "enriched.embeddings";
    public const string DeadLettersSocial = "dead-letters-social";
    public const string DeadLettersMarket = "dead-letters-market";
    public const string DeadLettersWeather = "dead-letters-weather";

    public static readonly IReadOnlyList<string> All =
    [
        SocialTiktok, SocialFacebook, MarketShopify, MarketDaraz, Weather, AnonymisedOrders, AnonymisedPosts, EnrichedPosts, EnrichedEmbeddings,
        DeadLettersSocial, DeadLettersMarket, DeadLettersWeather,
    ];

    public static readonly IReadOnlyList<string> DeadLetters = [DeadLettersSocial, DeadLettersMarket, DeadLettersWeather];

    /// <summary>The dead-letter topic for records read from (or bound for) <paramref name="topic"/>.</summary>
    public static string DeadLetterTopicFor(string topic) => topic switch
    {
        _ when topic.StartsWith("source.social.", StringComparison.Ordinal) || topic is AnonymisedPosts or EnrichedPosts or EnrichedEmbeddings => DeadLettersSocial,
        _ when topic.StartsWith("source.market.", StringComparison.Ordinal) || topic is AnonymisedOrders => DeadLettersMarket,
        Weather => DeadLettersWeather,
        _ => throw new ArgumentException($"No dead-letter topic is defined for '{topic}'.", nameof(topic)),
    };
}
