namespace MillionX.Pipeline.Contracts;

/// <summary>An anonymised post with catalogue context, ready to embed (<c>enriched.weaviate.vectors</c>).</summary>
public sealed record EnrichedPost
{
    public required string Platform { get; init; }
    public required string PostId { get; init; }
    public required string AuthorUsernameHash { get; init; }
    public required string Content { get; init; }
    public required long EngagementCount { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public IReadOnlyList<string> Hashtags { get; init; } = [];
    public IReadOnlyList<string> ProductMentions { get; init; } = [];
    public required string HashKeyId { get; init; }

    /// <summary>The content plus the names and prices of the catalogue products it mentions: the text that is embedded.</summary>
    public required string EnrichedContent { get; init; }

    public IReadOnlyList<string> MatchedProductIds { get; init; } = [];
}
