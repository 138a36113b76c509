using System.Text.RegularExpressions;
using MillionX.Pipeline.Stages.ContextEnricher;

namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>Pure: hashtags and product mentions found in a post's text.</summary>
public static partial class PostText
{
    [GeneratedRegex(@"(?<![\p{L}\p{N}_&])#([\p{L}\p{M}\p{N}_]{1,100})", RegexOptions.CultureInvariant)]
    private static partial Regex Hashtag();

    [GeneratedRegex(@"[\p{L}\p{M}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex Word();

    /// <summary>Hashtags without the '#', lower-cased, in order of first appearance, without duplicates.</summary>
    public static IReadOnlyList<string> Hashtags(string text) =>
        Hashtag().Matches(text).Select(m => m.Groups[1].Value.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The search keyword a post was found with (lower-cased, spaces collapsed), then the text's own hashtags, without
    /// duplicates: a post found for "Daraz Deal" that says #darazdeal keeps both, one found for "eid" tagged #eid keeps one.
    /// </summary>
    public static IReadOnlyList<string> HashtagsWithKeyword(string? keyword, string? text)
    {
        var tags = new List<string>();
        if (keyword is not null && string.Join(' ', keyword.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)) is { Length: > 0 } k)
        {
            tags.Add(k.TrimStart('#'));
        }

        tags.AddRange(text is null ? [] : Hashtags(text));
        return tags.Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The product groups (the context enricher's English/Benglish keyword groups) whose words appear in the text as
    /// whole words, e.g. "notun joota" mentions <c>juta</c>.
    /// </summary>
    public static IReadOnlyList<string> ProductMentions(string text, IReadOnlyDictionary<string, string[]>? groups = null)
    {
        groups ??= ContextEnricherOptions.DefaultKeywords;
        var normalised = " " + string.Join(' ', Word().Matches(text.ToLowerInvariant()).Select(m => m.Value)) + " ";
        return groups
            .Where(g => g.Value.Append(g.Key).Any(w => normalised.Contains(" " + w.ToLowerInvariant() + " ", StringComparison.Ordinal)))
            .Select(g => g.Key)
            .OrderBy(k => k, StringComparer.Ordinal)
            .ToList();
    }
}
