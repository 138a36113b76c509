using Xunit.Abstractions;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// A small commerce corpus (English and Benglish posts as Bangladeshi sellers write them) through the real pipeline
/// (ingest, privacy shield, enricher, embedding with the real all-MiniLM-L6-v2 int8, DuckDB vector store), then
/// `search` with queries whose best post is known: each must come first.
/// </summary>
public sealed class SemanticSearchTests(ITestOutputHelper output) : BrokerTest
{
    /// <summary>Post id and text, as sellers post them.</summary>
    public static readonly (string Id, string Text)[] Corpus =
    [
        ("phone", "Samsung Galaxy A15 eseche! 50MP camera, 5000mAh battery, Dhaka te same day delivery"),
        ("iphone", "Used iPhone 13 for sale, battery health 89%, no scratch, price negotiable"),
        ("panjabi", "Eid special panjabi collection, premium cotton, M L XL size available, inbox for price"),
        ("saree", "Tangail jamdani saree with golden zari work, wedding er jonno perfect"),
        ("mango", "Rajshahi er fresh himsagar aam, 10 kg carton, home delivery in Dhaka"),
        ("rain", "Heavy rain in Chittagong, tai aajker delivery late hobe, sorry everyone"),
        ("shoes", "Leather loafer shoes for men, size 40-44, cash on delivery"),
        ("hijab", "Chiffon hijab new colours arrived, 3 pieces 1000 taka"),
        ("laptop", "Gaming laptop RTX 4060, 16GB RAM, 1 year warranty"),
        ("baby", "Baby diaper and formula milk combo pack, discount this week"),
        ("rice", "Miniket chal 25 kg bosta, wholesale rate, Mohammadpur theke pickup"),
        ("fish", "Padma nodir fresh ilish mach, 1.5 kg size, pre-order korun"),
        ("skincare", "Korean skincare sunscreen and moisturiser, 100% original"),
        ("fan", "Rechargeable table fan for load shedding, 8 hours backup"),
        ("watch", "Smart watch with heart rate and call feature, black and silver"),
        ("bicycle", "Kids bicycle 16 inch with training wheels"),
        ("books", "HSC admission guide books full set, second hand, bhalo condition"),
        ("jacket", "Winter jacket ar hoodie sale, flat 30% off"),
        ("bed", "Segun kather khat, king size bed, Dhaka home delivery"),
        ("dates", "Ajwa khejur for Ramadan, 1 kg box, original Saudi"),
    ];

    /// <summary>A query and the post that must come first.</summary>
    public static readonly (string Query, string Expected)[] Queries =
    [
        ("new samsung phone with a great camera", "phone"),
        ("second hand apple iphone", "iphone"),
        ("traditional men's clothing for Eid", "panjabi"),
        ("saree for a wedding", "saree"),
        ("mangoes from Rajshahi", "mango"),
        ("deliveries delayed because of the rain", "rain"),
        ("shoes for men", "shoes"),
        ("hijab for women", "hijab"),
        ("computer for gaming", "laptop"),
        ("diapers for my baby", "baby"),
        ("fan that keeps working during power cuts", "fan"),
        ("smartwatch", "watch"),
        ("cycle for children", "bicycle"),
        ("university admission test books", "books"),
        ("warm clothes on sale for winter", "jacket"),
        ("wooden bed furniture", "bed"),
        ("dates to eat in Ramadan", "dates"),
        ("sunscreen for the skin", "skincare"),
    ];

    private static string Post((string Id, string Text) p, int i) =>
        $"{{\"platform\":\"tiktok\",\"post_id\":\"{p.Id}\",\"author_username\":\"seller_{i}\",\"content\":{JsonSerializer.Serialize(p.Text)},"
        + $"\"engagement_count\":{i * 7},\"timestamp\":\"2026-11-20T10:{i:D2}:00Z\",\"hashtags\":[],\"product_mentions\":[]}}";

    [Fact]
    public async Task Search_CommerceQueries_FindEachQuerysPostFirst()
    {
        var config = Broker.Config();
        var posts = Path.Combine(TempDir, "posts.jsonl");
        await File.WriteAllLinesAsync(posts, Corpus.Select(Post));
        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "tiktok", "--file", posts, "--profile", "stream"]), config, new StringWriter()));
        Assert.Equal(Corpus.Length, DuckDbQuery.Scalar(config["Warehouse:DuckDb:Path"]!, "select count(*) from POST_VECTORS"));

        var misses = new List<string>();
        foreach (var (query, expected) in Queries)
        {
            var result = new StringWriter();
            Assert.Equal(0, await SearchCommand.RunAsync(CommandLine.Parse(["search", query, "--top", "3", "--json"]), config, result));
            var hits = result.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var ranked = hits.Select(h => $"{h.GetProperty("post_id").GetString()} {h.GetProperty("score").GetDouble():0.000}").ToList();
            output.WriteLine($"{query} -> {string.Join(", ", ranked)}");
            if (hits[0].GetProperty("post_id").GetString() != expected)
            {
                misses.Add($"'{query}' expected {expected}, got {string.Join(", ", ranked)}");
            }
        }

        Assert.True(misses.Count == 0, string.Join("\n", misses));
    }
}
