using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MillionX.Pipeline.Contracts;

namespace MillionX.Pipeline.Stages.ContextEnricher;

/// <summary>
/// Pure: finds the catalogue products a post talks about, by exact product name or id in the text, by keyword
/// groups (English and Benglish) shared by the post and the product name, or by meaning (the cosine similarity of
/// the post's and the name's embeddings, given by the caller, at least the threshold), and builds the enriched text.
/// Ranking: exact name, then id, then the rest by similarity (keyword-group matches count as candidates whatever
/// their similarity), then how often the product was ordered.
/// </summary>
public sealed partial class ProductMatcher(IReadOnlyDictionary<string, string[]> keywordGroups, int maxMatches)
{
    [GeneratedRegex(@"[\p{L}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex Word();

    // The privacy shield's tokens (PHONE_k1_3fa2...) must not read as the word "phone".
    [GeneratedRegex(@"\b(?:PHONE|EMAIL|USER)_[a-z0-9]+_[0-9a-f]+\b", RegexOptions.CultureInvariant)]
    private static partial Regex PiiToken();

    /// <summary>The text a post is matched on: its content without the privacy shield's tokens, and its hashtags.</summary>
    public static string TextForMatching(AnonymisedPost post) => PiiToken().Replace(post.Content, " ") + " " + string.Join(' ', post.Hashtags);

    public IReadOnlyList<CatalogueProduct> Match(
        AnonymisedPost post, IReadOnlyCollection<CatalogueProduct> catalogue,
        IReadOnlyDictionary<string, float>? similarities = null, double threshold = 1)
    {
        if (catalogue.Count == 0)
        {
            return [];
        }

        var text = Normalise(TextForMatching(post));
        var postGroups = Groups(text + " " + Normalise(string.Join(' ', post.ProductMentions)));
        var scored = new List<(CatalogueProduct Product, int Score, float Similarity)>();
        foreach (var product in catalogue)
        {
            var name = Normalise(product.Name);
            var similarity = similarities is not null && similarities.TryGetValue(product.Key, out var s) ? s : 0f;
            var score = 0;
            if (name.Length > 0 && Contains(text, name))
            {
                score = 3;
            }
            else if (Contains(text, Normalise(product.ProductId)))
            {
                score = 2;
            }
            else if (postGroups.Count > 0 && Groups(name).Overlaps(postGroups))
            {
                score = 1;
            }

            if (score > 0 || similarity >= threshold)
            {
                scored.Add((product, score, similarity));
            }
        }

        return scored
            .OrderByDescending(s => s.Score >= 2 ? s.Score : 0)
            .ThenByDescending(s => s.Similarity)
            .ThenByDescending(s => s.Score)
            .ThenByDescending(s => s.Product.TimesSeen)
            .ThenBy(s => s.Product.Key, StringComparer.Ordinal)
            .Take(maxMatches)
            .Select(s => s.Product)
            .ToList();
    }

    /// <summary>The post with its enriched text and the matched product ids.</summary>
    public static EnrichedPost Enrich(AnonymisedPost post, IReadOnlyList<CatalogueProduct> matches) => new()
    {
        Platform = post.Platform,
        PostId = post.PostId,
        AuthorUsernameHash = post.AuthorUsernameHash,
        Content = post.Content,
        EngagementCount = post.EngagementCount,
        Timestamp = post.Timestamp,
        Hashtags = post.Hashtags,
        ProductMentions = post.ProductMentions,
        HashKeyId = post.HashKeyId,
        EnrichedContent = Enrich(post.Content, matches),
        MatchedProductIds = matches.Select(m => m.ProductId).ToList(),
    };

    /// <summary>The plan's enriched text: the content, then each matched product's name and prices.</summary>
    public static string Enrich(string content, IReadOnlyList<CatalogueProduct> matches)
    {
        if (matches.Count == 0)
        {
            return content;
        }

        var sb = new StringBuilder(content);
        foreach (var p in matches)
        {
            sb.Append(CultureInfo.InvariantCulture, $" | Product: {p.Name}, price {p.LatestPrice:0.##} {p.Currency}");
            if (p.MinPrice != p.MaxPrice)
            {
                sb.Append(CultureInfo.InvariantCulture, $" (range {p.MinPrice:0.##}-{p.MaxPrice:0.##})");
            }
        }

        return sb.ToString();
    }

    private HashSet<string> Groups(string normalisedText)
    {
        var groups = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (group, words) in keywordGroups)
        {
            if (words.Any(w => Contains(normalisedText, Normalise(w))))
            {
                groups.Add(group);
            }
        }

        return groups;
    }

    /// <summary>Lower-case words separated by single spaces, with a space at each end, so phrase search respects word edges.</summary>
    internal static string Normalise(string s) =>
        " " + string.Join(' ', Word().Matches(s.ToLowerInvariant()).Select(m => m.Value)) + " ";

    private static bool Contains(string normalisedText, string normalisedPhrase) =>
        normalisedPhrase.Trim().Length > 0 && normalisedText.Contains(normalisedPhrase, StringComparison.Ordinal);
}
