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
