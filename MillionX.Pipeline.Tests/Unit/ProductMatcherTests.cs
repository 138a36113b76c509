using MillionX.Pipeline.Stages.ContextEnricher;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class ProductMatcherTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private static AnonymisedOrder Order(string id, string name, decimal price, int minutes = 0, string platform = "daraz") => new()
    {
        Platform = platform, OrderId = "O-" + minutes, MerchantId = "M", ProductId = id, ProductName = name, Quantity = 1, Price = price,
        Currency = "BDT", OrderStatus = "paid", Timestamp = T0.AddMinutes(minutes), HashKeyId = "k1",
    };

    private static AnonymisedPost Post(string content, params string[] mentions) => new()
    {
        Platform = "tiktok", PostId = "1", AuthorUsernameHash = "k1_x", Content = content, EngagementCount = 1, Timestamp = T0,
        ProductMentions = mentions, HashKeyId = "k1",
    };

    private static readonly CatalogueProduct[] Catalogue =
    [
        CatalogueProduct.Merge(null, Order("P-1", "Jamdani Shari", 4500)),
        CatalogueProduct.Merge(null, Order("P-2", "Leather Juta", 2200)),
        CatalogueProduct.Merge(null, Order("P-3", "Xiaomi Redmi Note Phone", 21999)),
        CatalogueProduct.Merge(null, Order("P-4", "Ladies Hand Bag", 1350)),
    ];

    private static readonly ProductMatcher Matcher = new(ContextEnricherOptions.DefaultKeywords, 3);

    [Theory]
    [InlineData("Notun jamdani shari eseche, dam koto?", "P-1")]
    [InlineData("ei juta ta khub sundor", "P-2")]
    [InlineData("Best joota for Eid", "P-2")]
    [InlineData("new saree collection", "P-1")]
    [InlineData("mobile ta ki available?", "P-3")]
    [InlineData("handbag lagbe", "P-4")]
    [InlineData("order P-2 again", "P-2")]
    public void Match_EnglishAndBenglishWords_FindTheProduct(string content, string expected) =>
        Assert.Equal([expected], Matcher.Match(Post(content), Catalogue).Select(p => p.ProductId));

    [Fact]
    public void Match_ProductMentionsField_Counts() =>
        Assert.Equal(["P-4"], Matcher.Match(Post("eta dekhen", "bag"), Catalogue).Select(p => p.ProductId));

    [Fact]
    public void Match_ExactNameRanksFirst()
    {
        var matches = Matcher.Match(Post("Leather Juta and a shari"), Catalogue);
        Assert.Equal("P-2", matches[0].ProductId);
        Assert.Contains(matches, m => m.ProductId == "P-1");
    }

    [Theory]
    [InlineData("Call PHONE_k1_0123456789abcdef01234567 now")]
    [InlineData("no product here at all")]
    [InlineData("")]
    public void Match_NoMentionOrOnlyPiiTokens_NoMatch(string content) => Assert.Empty(Matcher.Match(Post(content), Catalogue));

    [Fact]
    public void Match_CapsAtMaxMatches() =>
        Assert.Equal(2, new ProductMatcher(ContextEnricherOptions.DefaultKeywords, 2).Match(Post("shari juta bag phone"), Catalogue).Count);

    [Fact]
    public void Enrich_AppendsNamesPricesAndRange()
    {
        var p = CatalogueProduct.Merge(CatalogueProduct.Merge(Catalogue[0] with { }, Order("P-1", "Jamdani Shari", 4200, minutes: 5)), Order("P-1", "Jamdani Shari", 4800, minutes: 1));
        Assert.Equal("Eid offer | Product: Jamdani Shari, price 4200 BDT (range 4200-4800)", ProductMatcher.Enrich("Eid offer", [p]));
        Assert.Equal("Eid offer", ProductMatcher.Enrich("Eid offer", []));
    }

    [Fact]
    public void Merge_LatestByTimestampMinMaxAndCount_IndependentOfArrivalOrder()
    {
        var orders = new[] { Order("P-9", "Old Name", 100, 3), Order("P-9", "New Name", 90, 9), Order("P-9", "Mid", 130, 5) };
        var forward = orders.Aggregate((CatalogueProduct?)null, CatalogueProduct.Merge)!;
        var backward = orders.Reverse().Aggregate((CatalogueProduct?)null, CatalogueProduct.Merge)!;
        Assert.Equal(forward, backward);
        Assert.Equal("New Name", forward.Name);
        Assert.Equal(90, forward.LatestPrice);
        Assert.Equal(90, forward.MinPrice);
        Assert.Equal(130, forward.MaxPrice);
        Assert.Equal(3, forward.TimesSeen);
    }

    [Fact]
    public void Index_HundredThousandProducts_PostLooksOnlyAtTheProductsItCanMatch()
    {
        var index = Matcher.NewIndex();
        for (int i = 0; i < 100_000; i++)
        {
            index.Upsert(CatalogueProduct.Merge(null, Order($"X-{i}", $"Widget{i} Model {i % 100}", 100 + i)));
        }

        index.Upsert(Catalogue[0]); // Jamdani Shari
        var post = Post("Notun jamdani shari eseche, dam koto?");

        var candidates = Matcher.Candidates(post, index);

        Assert.Equal(["daraz:P-1"], candidates.Order(StringComparer.Ordinal));
        Assert.Equal(["P-1"], Matcher.Match(post, index).Select(p => p.ProductId));
        Assert.Equal(100_001, index.Count);
    }

    [Fact]
    public void Index_ProductRenamed_MatchedByItsNewNameOnly()
    {
        var index = Matcher.NewIndex();
        var first = CatalogueProduct.Merge(null, Order("P-9", "Nakshi Kantha", 3000));
        index.Upsert(first);
        index.Upsert(CatalogueProduct.Merge(first, Order("P-9", "Silk Kantha Stitch Quilt", 3200, minutes: 5)));

        Assert.Empty(Matcher.Match(Post("nakshi kantha lagbe"), index));
        Assert.Equal(["P-9"], Matcher.Match(Post("silk kantha stitch quilt available?"), index).Select(p => p.ProductId));
    }
}
