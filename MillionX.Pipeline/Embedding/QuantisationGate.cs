using System.Numerics.Tensors;

namespace MillionX.Pipeline.Embedding;

/// <summary>
/// The sentence-transformers documentation's semantic-search example for all-MiniLM-L6-v2 (corpus, queries and the
/// published top-5 cosine scores), used as a known answer: by the int8 gate at model creation and by the tests.
/// </summary>
public static class MiniLmReference
{
    public static readonly string[] Corpus =
    [
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "The girl is carrying a baby.",
        "A man is riding a horse.",
        "A woman is playing violin.",
        "Two men pushed carts through the woods.",
        "A man is riding a white horse on an enclosed ground.",
        "A monkey is playing drums.",
        "A cheetah is running behind its prey.",
    ];

    /// <summary>Each query with its published top 5: corpus index and cosine score (4 decimals).</summary>
    public static readonly (string Query, (int Corpus, double Score)[] Top5)[] Queries =
    [
        ("A man is eating pasta.", [(0, 0.7035), (1, 0.5272), (3, 0.1889), (6, 0.1047), (8, 0.0980)]),
        ("Someone in a gorilla costume is playing a set of drums.", [(7, 0.6433), (4, 0.2564), (3, 0.1389), (6, 0.1191), (8, 0.1080)]),
        ("A cheetah chases prey on across a field.", [(8, 0.8253), (0, 0.1399), (7, 0.1292), (6, 0.1097), (3, 0.0650)]),
    ];

    /// <summary>Texts the gate also compares: what this pipeline embeds (commerce posts in English and Benglish).</summary>
    public static readonly string[] CommerceTexts =
    [
        "New Samsung Galaxy A15 in stock, great camera, cash on delivery all over Dhaka",
        "Eid collection panjabi for men, premium cotton, size M L XL available",
        "Rajshahi er fresh himsagar aam, 5 kg box home delivery",
        "Jamdani saree with golden zari work, perfect for weddings",
        "Rain er jonno delivery late hobe, sorry for the delay",
        "iPhone 13 used like new, battery health 89%, price negotiable",
        "Winter sale on hoodies and jackets, flat 30% off this week only",
        "Baby diapers and formula milk combo pack at a discount",
    ];

    /// <summary>Indices of the corpus sentences in descending cosine order for <paramref name="query"/>.</summary>
    public static int[] Rank(float[] query, float[][] corpus) =>
        [.. Enumerable.Range(0, corpus.Length).OrderByDescending(i => TensorPrimitives.CosineSimilarity(query, corpus[i]))];
}

/// <summary>The int8 gate's verdict: the quantised model may replace the fp32 one only when both checks pass.</summary>
public sealed record QuantisationVerdict(bool Passed, double MinCosine, bool Top5Unchanged, string Detail);

/// <summary>
/// Decides whether an int8 model may stand in for the fp32 model it was made from: every gate text's int8 vector has
/// cosine at least <see cref="MinCosine"/> with its fp32 vector, and the documentation example's top-5 order is the
/// same under both for every query.
/// </summary>
public static class QuantisationGate
{
    public const double MinCosine = 0.99;

    public static QuantisationVerdict Check(ITextEmbedder full, ITextEmbedder quantised)
    {
        string[] texts = [.. MiniLmReference.Corpus, .. MiniLmReference.Queries.Select(q => q.Query), .. MiniLmReference.CommerceTexts];
        var a = full.Embed(texts);
        var b = quantised.Embed(texts);
        double min = 1;
        string worst = "";
        for (int i = 0; i < texts.Length; i++)
        {
            double c = TensorPrimitives.CosineSimilarity(a[i], b[i]);
            if (c < min)
            {
                (min, worst) = (c, texts[i]);
            }
        }

        int n = MiniLmReference.Corpus.Length;
        var changed = new List<string>();
        for (int q = 0; q < MiniLmReference.Queries.Length; q++)
        {
            var fp32Top = MiniLmReference.Rank(a[n + q], a[..n]).Take(5);
            var int8Top = MiniLmReference.Rank(b[n + q], b[..n]).Take(5);
            if (!fp32Top.SequenceEqual(int8Top))
            {
                changed.Add(MiniLmReference.Queries[q].Query);
            }
        }

        bool passed = min >= MinCosine && changed.Count == 0;
        var detail = $"lowest int8/fp32 cosine {min:0.0000} over {texts.Length} texts"
            + (min < MinCosine ? $" (below {MinCosine}, at \"{worst}\")" : "")
            + (changed.Count == 0 ? "; top-5 order unchanged for all queries" : $"; top-5 order changed for: {string.Join(" | ", changed)}");
        return new QuantisationVerdict(passed, Math.Round(min, 5), changed.Count == 0, detail);
    }
}
