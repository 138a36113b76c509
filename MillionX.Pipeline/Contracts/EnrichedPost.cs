namespace MillionX.Pipeline.Contracts;

/// <summary>An anonymised post with catalogue context, ready to embed (<c>enriched.weaviate.vectors</c>).</summary>
public sealed record EnrichedPost : AnonymisedPost
{
    /// <summary>The content plus the names and prices of the catalogue products it mentions: the text that is embedded.</summary>
    public required string EnrichedContent { get; init; }

    public IReadOnlyList<string> MatchedProductIds { get; init; } = [];
}
