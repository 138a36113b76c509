namespace MillionX.Pipeline.Sources;

/// <summary>Where raw records come from, and where their validated form goes.</summary>
public enum SourceKind
{
    Tiktok,
    Facebook,
    Shopify,
    Daraz,
    Weather,
}

public static class SourceKinds
{
    public static readonly IReadOnlyList<string> Names = ["tiktok", "facebook", "shopify", "daraz", "weather"];

    public static bool TryParse(string? name, out SourceKind kind)
    {
        kind = default;
        var i = name is null ? -1 : Names.ToList().IndexOf(name.Trim().ToLowerInvariant());
        if (i < 0)
        {
            return false;
        }

        kind = (SourceKind)i;
        return true;
    }

    public static string Name(this SourceKind kind) => Names[(int)kind];

    public static string Topic(this SourceKind kind) => kind switch
    {
        SourceKind.Tiktok => Topics.SocialTiktok,
        SourceKind.Facebook => Topics.SocialFacebook,
        SourceKind.Shopify => Topics.MarketShopify,
        SourceKind.Daraz => Topics.MarketDaraz,
        _ => Topics.Weather,
    };

    public static string DeadLetterTopic(this SourceKind kind) => Topics.DeadLetterTopicFor(kind.Topic());
}
