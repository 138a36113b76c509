using System.Text.Json.Serialization;

namespace MillionX.Pipeline.Contracts;

/// <summary>A social media post as scraped from TikTok or Facebook (plan contract, snake_case JSON).</summary>
public sealed record SocialPost
{
    public required string Platform { get; init; }
    public required string PostId { get; init; }
    public required string AuthorUsername { get; init; }
    public required string Content { get; init; }
    public required long EngagementCount { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public IReadOnlyList<string> Hashtags { get; init; } = [];
    public IReadOnlyList<string> ProductMentions { get; init; } = [];
}

/// <summary>One order line from Shopify or Daraz.</summary>
public sealed record MarketOrder
{
    public required string Platform { get; init; }
    public required string OrderId { get; init; }
    public required string MerchantId { get; init; }
    public required string ProductId { get; init; }
    public required string ProductName { get; init; }
    public required int Quantity { get; init; }
    public required decimal Price { get; init; }
    public string Currency { get; init; } = "BDT";
    public required string OrderStatus { get; init; }
    public string? CustomerPhone { get; init; }
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>
    /// The source's line when one product can fill several lines of an order (Shopify's line item id: two variants of
    /// one product); absent when the source folds a product's lines into one (Daraz). Part of the warehouse key.
    /// </summary>
    public string? LineId { get; init; }

    /// <summary>
    /// When the source last changed the order (Shopify <c>updatedAt</c>, Daraz <c>updated_at</c>): the warehouse keeps
    /// the newest version of a line, so an older one (a late poll, a replayed dead letter) never replaces it.
    /// </summary>
    public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>Current weather for one city.</summary>
public sealed record WeatherData
{
    public required string City { get; init; }
    public required double Temperature { get; init; }
    public required string Condition { get; init; }
    public required double Humidity { get; init; }
    public required double WindSpeed { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public required bool IsExtremeWeather { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(SocialPost))]
[JsonSerializable(typeof(MarketOrder))]
[JsonSerializable(typeof(WeatherData))]
[JsonSerializable(typeof(AnonymisedPost))]
[JsonSerializable(typeof(AnonymisedOrder))]
[JsonSerializable(typeof(EnrichedPost))]
[JsonSerializable(typeof(DeadLetters.DeadLetterEnvelope))]
[JsonSerializable(typeof(Commands.IngestSummary))]
internal sealed partial class ContractJson : JsonSerializerContext;
