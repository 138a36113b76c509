using MillionX.Pipeline.Stages.ContextEnricher;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// Keyword-only against keyword + semantic product matching, on a labelled set built for it: a catalogue named as
/// Bangladeshi sellers name products, and posts (English and Benglish) each labelled with the products it is about
/// (none for chatter). Real all-MiniLM-L6-v2 (int8), the enricher's own matcher and semantic catalogue.
/// </summary>
public sealed class SemanticEnrichmentTests(ITestOutputHelper output)
{
    public static readonly (string Id, string Name)[] Products =
    [
        ("P1", "Galaxy A15 Smartphone"), ("P2", "iPhone 13 128GB (Used)"), ("P3", "Premium Cotton Panjabi"),
        ("P4", "Jamdani Saree"), ("P5", "Himsagar Mango 5kg Box"), ("P6", "Leather Loafer Shoes"), ("P7", "Chiffon Hijab"),
        ("P8", "Gaming Laptop RTX 4060"), ("P9", "Baby Diaper Pack"), ("P10", "Rechargeable Table Fan"),
        ("P11", "Smart Watch with Heart Rate"), ("P12", "Kids Bicycle 16 inch"), ("P13", "Winter Hoodie"),
        ("P14", "Ajwa Dates 1kg"), ("P15", "Sunscreen SPF 50"), ("P16", "Wireless Earbuds"), ("P17", "Miniket Rice 25kg"),
        ("P18", "Three Piece Salwar Kameez"),
    ];

    /// <summary>Post text and the product ids it is about.</summary>
    public static readonly (string Text, string[] Relevant)[] Posts =
    [
        ("new samsung phone with a great camera, any offer?", ["P1"]),
        ("looking for a second hand apple iphone under 50k", ["P2"]),
        ("Eid er jonno notun kurta kinbo", ["P3"]),
        ("biyer jonno sundor shari chai", ["P4"]),
        ("sweet mangoes from Rajshahi, home delivery?", ["P5"]),
        ("formal shoes for office, size 42", ["P6"]),
        ("hijab in pastel colours available?", ["P7"]),
        ("need a powerful computer for gaming and video editing", ["P8"]),
        ("my baby needs nappies, any discount?", ["P9"]),
        ("load shedding e khub gorom, a fan with battery backup lagbe", ["P10"]),
        ("fitness watch that tracks heart rate", ["P11"]),
        ("cycle for my 6 year old son", ["P12"]),
        ("warm clothes for the cold weather", ["P13"]),
        ("dates for iftar this Ramadan", ["P14"]),
        ("cream to protect my skin from the sun", ["P15"]),
        ("bluetooth headphones for the gym", ["P16"]),
        ("rice price koto ekhon, 25 kg bag", ["P17"]),
        ("ladies salwar kameez eid collection", ["P18"]),
        ("Dhaka te aaj khub brishti, traffic jam everywhere", []),
        ("happy new year everyone!", []),
        ("delivery charge koto Chittagong e?", []),
        ("thanks for the quick service, bhai", []),
    ];

    private static AnonymisedPost Post(string text, int i) => new()
    {
        Platform = "tiktok", PostId = $"s{i}", AuthorUsernameHash = "USER_k1_00", Content = text, EngagementCount = 1,
        Timestamp = DateTimeOffset.UnixEpoch, HashKeyId = "k1",
    };

    private static List<CatalogueProduct> Catalogue() =>
        [.. Products.Select((p, i) => new CatalogueProduct("shopify", p.Id, p.Name, 100 + i, 100 + i, 100 + i, "BDT", 1, DateTime.UnixEpoch))];

    public sealed record Scores(double Precision, double Recall, int TruePositives, int Predicted, int Relevant);

    /// <summary>Micro-averaged precision and recall of the matcher over the labelled posts.</summary>
    public static Scores Evaluate(Func<AnonymisedPost, IReadOnlyList<CatalogueProduct>> match)
    {
        int tp = 0, predicted = 0, relevant = 0;
        for (int i = 0; i < Posts.Length; i++)
        {
            var got = match(Post(Posts[i].Text, i)).Select(p => p.ProductId).ToHashSet();
            tp += got.Count(Posts[i].Relevant.Contains);
            predicted += got.Count;
            relevant += Posts[i].Relevant.Length;
        }

        return new(predicted == 0 ? 0 : tp / (double)predicted, tp / (double)relevant, tp, predicted, relevant);
    }

    [Fact]
    public async Task Match_LabelledSet_SemanticRaisesRecallAndKeepsPrecision()
    {
        var options = new ContextEnricherOptions();
        var matcher = new ProductMatcher(options.KeywordsOrDefault(), options.MaxMatches);
        var catalogue = Catalogue();
        using var embedder = TestModels.Embedder(TestModels.RealInt8);
        using var semantic = new SemanticCatalogue(embedder, NullLogger<SemanticCatalogue>.Instance);
        await semantic.StartAsync(CancellationToken.None);
        catalogue.ForEach(semantic.Learn);
        Assert.True(await TestConfig.Eventually(() => semantic.Pending == 0, TimeSpan.FromSeconds(30)), "product names not embedded");
        await semantic.StopAsync(CancellationToken.None);
        Assert.Equal(Products.Length, semantic.Embedded);

        var keyword = Evaluate(p => matcher.Match(p, catalogue));
        var both = Evaluate(p =>
        {
            var sims = semantic.Similarities(semantic.EmbedPost(ProductMatcher.TextForMatching(p)), catalogue);
            return matcher.Match(p, catalogue, sims, options.SemanticThreshold);
        });
        for (int i = 0; i < Posts.Length; i++)
        {
            var sims = semantic.Similarities(semantic.EmbedPost(Posts[i].Text), catalogue).OrderByDescending(s => s.Value).Take(2);
            output.WriteLine($"{Posts[i].Text} [{string.Join(",", Posts[i].Relevant)}] -> {string.Join(", ", sims.Select(s => $"{s.Key} {s.Value:0.00}"))}");
        }

        foreach (var t in new[] { 0.35, 0.40, 0.45, 0.50, 0.55 })
        {
            var at = Evaluate(p => matcher.Match(p, catalogue, semantic.Similarities(semantic.EmbedPost(ProductMatcher.TextForMatching(p)), catalogue), t));
            output.WriteLine($"threshold {t:0.00}: precision {at.Precision:0.00} recall {at.Recall:0.00} ({at.TruePositives} of {at.Predicted})");
        }

        output.WriteLine($"keyword only:       precision {keyword.Precision:0.00} recall {keyword.Recall:0.00} ({keyword.TruePositives} of {keyword.Predicted} predicted, {keyword.Relevant} relevant)");
        output.WriteLine($"keyword + semantic: precision {both.Precision:0.00} recall {both.Recall:0.00} ({both.TruePositives} of {both.Predicted} predicted, {both.Relevant} relevant)");
        Assert.True(both.Recall >= keyword.Recall + 0.3, $"recall {keyword.Recall:0.00} -> {both.Recall:0.00}");
        Assert.True(both.Precision >= keyword.Precision, $"precision {keyword.Precision:0.00} -> {both.Precision:0.00}");
    }
}
