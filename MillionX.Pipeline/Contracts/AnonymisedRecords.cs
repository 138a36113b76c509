namespace MillionX.Pipeline.Contracts;

/// <summary>A social post after the privacy shield: no username, and phones, e-mails and mentions in text replaced by keyed hashes.</summary>
public record AnonymisedPost
{
    public required string Platform { get; init; }
    public required string PostId { get; init; }
    public required string AuthorUsernameHash { get; init; }
    public required string Content { get; init; }
    public required long EngagementCount { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public IReadOnlyList<string> Hashtags { get; init; } = [];
    public IReadOnlyList<string> ProductMentions { get; init; } = [];

    /// <summary>Which hash key made the hashes (rotation).</summary>
    public required string HashKeyId { get; init; }
}

/// <summary>An order line after the privacy shield: the customer's phone (or e-mail) only as a keyed hash.</summary>
public sealed record AnonymisedOrder
{
    public required string Platform { get; init; }
    public required string OrderId { get; init; }
    public required string MerchantId { get; init; }
    public required string ProductId { get; init; }
    public required string ProductName { get; init; }
    public required int Quantity { get; init; }
    public required decimal Price { get; init; }
    public required string Currency { get; init; }
    public required string OrderStatus { get; init; }
    public string? CustomerPhoneHash { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public required string HashKeyId { get; init; }

    /// <summary>The source's line id (see <see cref="MarketOrder.LineId"/>); empty when the source folds lines.</summary>
    public string LineId { get; init; } = "";

    /// <summary>The source's last change of the order; absent on records written before it existed (then <see cref="Timestamp"/>).</summary>
    public DateTimeOffset? UpdatedAt { get; init; }
}
