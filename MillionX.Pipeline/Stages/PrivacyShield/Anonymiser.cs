namespace MillionX.Pipeline.Stages.PrivacyShield;

/// <summary>Pure: canonical records in, records with no personal data out.</summary>
public sealed class Anonymiser(PiiScrubber scrubber)
{
    public AnonymisedPost Anonymise(SocialPost post) => new()
    {
        Platform = post.Platform,
        PostId = post.PostId,
        AuthorUsernameHash = scrubber.Hasher.HashUser(post.AuthorUsername),
        Content = scrubber.Scrub(post.Content),
        EngagementCount = post.EngagementCount,
        Timestamp = post.Timestamp,
        Hashtags = Scrubbed(post.Hashtags),
        ProductMentions = Scrubbed(post.ProductMentions),
        HashKeyId = scrubber.Hasher.KeyId,
    };

    public AnonymisedOrder Anonymise(MarketOrder order) => new()
    {
        Platform = order.Platform,
        OrderId = order.OrderId,
        MerchantId = order.MerchantId,
        ProductId = order.ProductId,
        ProductName = scrubber.Scrub(order.ProductName),
        Quantity = order.Quantity,
        Price = order.Price,
        Currency = order.Currency,
        OrderStatus = order.OrderStatus,
        CustomerPhoneHash = string.IsNullOrWhiteSpace(order.CustomerPhone) ? null : scrubber.HashContact(order.CustomerPhone),
        Timestamp = order.Timestamp,
        HashKeyId = scrubber.Hasher.KeyId,
        LineId = order.LineId ?? "",
        UpdatedAt = order.UpdatedAt ?? order.Timestamp,
    };

    /// <summary>Each text scrubbed, in order (one list, no iterator or delegate per post).</summary>
    private List<string> Scrubbed(IReadOnlyList<string> texts)
    {
        var list = new List<string>(texts.Count);
        foreach (var text in texts)
        {
            list.Add(scrubber.Scrub(text));
        }

        return list;
    }
}
