using System.Text.RegularExpressions;

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

    /// <summary>Matches against a catalogue given as a list (an index is built for the call; the stage keeps one instead).</summary>
    public IReadOnlyList<CatalogueProduct> Match(
        AnonymisedPost post, IReadOnlyCollection<CatalogueProduct> catalogue,
        IReadOnlyDictionary<string, float>? similarities = null, double threshold = 1)
    {
        var index = NewIndex();
        foreach (var product in catalogue)
        {
            index.Upsert(product);
        }

        return Match(post, index, similarities, threshold);
    }

    /// <summary>An empty catalogue index that groups product names by this matcher's keyword groups.</summary>
    public CatalogueIndex NewIndex() => new(this);

    /// <summary>Keys of the products the post can match by name, id or keyword group (what <see cref="Match(AnonymisedPost, CatalogueIndex, IReadOnlyDictionary{string, float}?, double)"/> looks at besides similarity).</summary>
    public HashSet<string> Candidates(AnonymisedPost post, CatalogueIndex index)
    {
        var text = Normalise(TextForMatching(post));
        return index.Candidates(text, Groups(text + " " + Normalise(string.Join(' ', post.ProductMentions))));
    }

    /// <summary>
    /// Matches against <paramref name="index"/>: only products that share a first word of their name or id, or a
    /// keyword group, with the post are looked at, plus those whose similarity is given and at least the threshold,
    /// so the cost follows the post, not the catalogue's size.
    /// </summary>
    public IReadOnlyList<CatalogueProduct> Match(
        AnonymisedPost post, CatalogueIndex index, IReadOnlyDictionary<string, float>? similarities = null, double threshold = 1)
    {
        if (index.Count == 0)
        {
            return [];
        }

        var text = Normalise(TextForMatching(post));
        var postGroups = Groups(text + " " + Normalise(string.Join(' ', post.ProductMentions)));
        var candidates = index.Candidates(text, postGroups);
        if (similarities is not null)
        {
            candidates.UnionWith(similarities.Where(s => s.Value >= threshold).Select(s => s.Key));
        }

        var scored = new List<(CatalogueProduct Product, int Score, float Similarity)>();
        foreach (var key in candidates)
        {
            if (!index.TryGet(key, out var entry))
            {
                continue;
            }

            var similarity = similarities is not null && similarities.TryGetValue(key, out var s) ? s : 0f;
            var score = 0;
            if (entry.Name.Length > 0 && Contains(text, entry.Name))
            {
                score = 3;
            }
            else if (Contains(text, entry.Id))
            {
                score = 2;
            }
            else if (postGroups.Count > 0 && entry.Groups.Overlaps(postGroups))
            {
                score = 1;
            }

            if (score > 0 || similarity >= threshold)
            {
                scored.Add((entry.Product, score, similarity));
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

    internal HashSet<string> Groups(string normalisedText)
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

    internal static bool Contains(string normalisedText, string normalisedPhrase) =>
        normalisedPhrase.Trim().Length > 0 && normalisedText.Contains(normalisedPhrase, StringComparison.Ordinal);
}

/// <summary>
/// A catalogue prepared for matching: each product's normalised name and id and its keyword groups are computed once
/// when it is learnt, and products are indexed by the first word of their name and of their id and by group, so a
/// post is compared with the few products it can match instead of the whole catalogue. Not thread-safe: the enricher
/// uses it under its catalogue lock.
/// </summary>
public sealed class CatalogueIndex(ProductMatcher matcher)
{
    public sealed record Entry(CatalogueProduct Product, string Name, string Id, HashSet<string> Groups);

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byWord = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byGroup = new(StringComparer.OrdinalIgnoreCase);

    public int Count => _entries.Count;

    public bool TryGet(string key, out Entry entry) => _entries.TryGetValue(key, out entry!);

    /// <summary>Adds or replaces a product; a renamed product is re-indexed under its new name.</summary>
    public void Upsert(CatalogueProduct product)
    {
        if (_entries.TryGetValue(product.Key, out var old))
        {
            if (old.Product.Name == product.Name)
            {
                _entries[product.Key] = old with { Product = product };
                return;
            }

            Remove(old);
        }

        var name = ProductMatcher.Normalise(product.Name);
        var entry = new Entry(product, name, ProductMatcher.Normalise(product.ProductId), matcher.Groups(name));
        _entries[product.Key] = entry;
        Add(_byWord, FirstWord(entry.Name), product.Key);
        Add(_byWord, FirstWord(entry.Id), product.Key);
        foreach (var group in entry.Groups)
        {
            Add(_byGroup, group, product.Key);
        }
    }

    /// <summary>Keys of the products whose name or id starts with a word of the post, or that share a group with it.</summary>
    internal HashSet<string> Candidates(string normalisedText, HashSet<string> postGroups)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in normalisedText.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (_byWord.TryGetValue(word, out var byWord))
            {
                keys.UnionWith(byWord);
            }
        }

        foreach (var group in postGroups)
        {
            if (_byGroup.TryGetValue(group, out var byGroup))
            {
                keys.UnionWith(byGroup);
            }
        }

        return keys;
    }

    private void Remove(Entry entry)
    {
        _entries.Remove(entry.Product.Key);
        _byWord.GetValueOrDefault(FirstWord(entry.Name))?.Remove(entry.Product.Key);
        _byWord.GetValueOrDefault(FirstWord(entry.Id))?.Remove(entry.Product.Key);
        foreach (var group in entry.Groups)
        {
            _byGroup.GetValueOrDefault(group)?.Remove(entry.Product.Key);
        }
    }

    private static string FirstWord(string normalised)
    {
        var trimmed = normalised.AsSpan().Trim();
        var space = trimmed.IndexOf(' ');
        return (space < 0 ? trimmed : trimmed[..space]).ToString();
    }

    private static void Add(Dictionary<string, HashSet<string>> index, string word, string key)
    {
        if (word.Length == 0)
        {
            return;
        }

        if (!index.TryGetValue(word, out var keys))
        {
            index[word] = keys = new HashSet<string>(StringComparer.Ordinal);
        }

        keys.Add(key);
    }
}
