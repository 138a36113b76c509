namespace MillionX.Pipeline.Tests.Integration;

/// <summary>Orders and posts through the real privacy shield and warehouse sink on the embedded broker and DuckDB.</summary>
public sealed class PrivacyWarehouseTests : BrokerTest
{
    // One customer's number in every form people write it.
    private static readonly string[] OneNumberForms =
    [
        "01712345678", "+8801712345678", "+88 01712-345678", "+880 1712 345 678", "(017) 1234 5678", "০১৭১২৩৪৫৬৭৮", "008801712345678", "017.1234.5678",
    ];

    private static string Phone(int i) => OneNumberForms[i % OneNumberForms.Length] is var same && i < 40 ? same : $"01{3 + (i % 7)}{10_000_000 + (i * 7919 % 89_999_999):D8}";

    private static string Order(int i) =>
        $"{{\"platform\":\"daraz\",\"order_id\":\"DZ-{i / 2}\",\"merchant_id\":\"M-{i % 9}\",\"product_id\":\"P-{i % 2}\",\"product_name\":\"Leather Juta\","
        + $"\"quantity\":{1 + (i % 3)},\"price\":{(2200 + i).ToString(CultureInfo.InvariantCulture)}.50,\"order_status\":\"paid\",\"customer_phone\":{JsonSerializer.Serialize(Phone(i))},"
        + "\"timestamp\":\"2026-11-20T10:00:00+06:00\"}";

    [Fact]
    public async Task Ingest_OrdersWithPhonesAndDuplicates_WarehouseHoldsUniqueLinesAndNoRawPhone()
    {
        const int unique = 300;
        var lines = Enumerable.Range(0, unique).Select(Order).ToList();
        lines.AddRange(Enumerable.Range(0, 60).Select(i => Order(i * 5)));
        var file = Path.Combine(TempDir, "orders.jsonl");
        await File.WriteAllLinesAsync(file, lines);
        var config = Broker.Config().With("Stages:warehouse-sink:MaxBatchRecords", "97");
        var duckdb = config["Warehouse:DuckDb:Path"]!;
        var summaryPath = Path.Combine(TempDir, "summary.json");

        var exit = await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "daraz", "--file", file, "--summary-json", summaryPath]), config, new StringWriter());

        Assert.Equal(0, exit);
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(summaryPath));
        Assert.Equal(360, summary.RootElement.GetProperty("accepted").GetInt64());
        var written = summary.RootElement.GetProperty("warehouse_rows");
        Assert.InRange(written.GetProperty("ORDERS").GetInt64(), unique, 360);
        Assert.Equal(unique, DuckDbQuery.Scalar(duckdb, "select count(*) from ORDERS"));
        Assert.Equal(unique, DuckDbQuery.Scalar(duckdb, "select count(distinct (PLATFORM, ORDER_ID, PRODUCT_ID)) from ORDERS"));
        Assert.Equal(unique, DuckDbQuery.Scalar(duckdb, "select count(*) from PRICE_HISTORY"));
        Assert.Equal(2200.5m + 7, decimal.Parse(DuckDbQuery.Column(duckdb, "select PRICE from ORDERS where ORDER_ID = 'DZ-3' and PRODUCT_ID = 'P-1'")[0]!, CultureInfo.InvariantCulture));

        // One number, written eight ways, is one hash; other numbers hash differently.
        var oneNumberOrders = Enumerable.Range(0, 40).Select(i => $"('DZ-{i / 2}','P-{i % 2}')");
        var hashes = DuckDbQuery.Column(duckdb, $"select distinct CUSTOMER_PHONE_HASH from ORDERS where (ORDER_ID, PRODUCT_ID) in ({string.Join(",", oneNumberOrders)})");
        Assert.Equal([TestConfig.Hasher.HashPhone("8801712345678")], hashes);
        Assert.Equal(unique - 40 + 1, DuckDbQuery.Scalar(duckdb, "select count(distinct CUSTOMER_PHONE_HASH) from ORDERS"));

        // Byte-wise: no raw phone text anywhere in the warehouse file or any downstream topic.
        var raw = Enumerable.Range(0, unique).Select(Phone).Distinct().ToList();
        var needles = raw.Concat(raw.Select(p => new string(PiiDigits(p)))).Distinct().Select(Encoding.UTF8.GetBytes).ToList();
        var fileBytes = DuckDbQuery.FileBytes(duckdb);
        Assert.True(fileBytes.AsSpan().IndexOf("k1_"u8) >= 0, "positive control: the hashes are stored as plain bytes");
        Assert.All(needles, n => Assert.True(fileBytes.AsSpan().IndexOf(n) < 0, $"raw phone {Encoding.UTF8.GetString(n)} found in the DuckDB file"));
        foreach (var topic in new[] { Topics.AnonymisedOrders, Topics.AnonymisedPosts, Topics.EnrichedPosts, Topics.DeadLettersMarket })
        {
            foreach (var m in Broker.ReadAll(topic))
            {
                Assert.All(needles, n => Assert.True(m.Message.Value.AsSpan().IndexOf(n) < 0, $"raw phone in {topic}"));
            }
        }
    }

    [Fact]
    public async Task Ingest_CustomerNameInAProductTitle_NeverReachesTheWarehouseOrTopics()
    {
        string Line(int i, string name) =>
            $"{{\"platform\":\"daraz\",\"order_id\":\"DZ-N{i}\",\"merchant_id\":\"M-1\",\"product_id\":\"P-{i}\",\"product_name\":{JsonSerializer.Serialize(name)},"
            + "\"quantity\":1,\"price\":1500,\"order_status\":\"paid\",\"timestamp\":\"2026-11-20T10:00:00+06:00\"}";
        var file = Path.Combine(TempDir, "named.jsonl");
        await File.WriteAllLinesAsync(file, [
            Line(1, "Panjabi for Nasrin Akter, House 12 Dhanmondi"),
            Line(2, "#RahimUddin special three piece"),
            Line(3, "নাম: ফাতেমা বেগম - জামদানি শাড়ি"),
            Line(4, "Mehedi cone pack of 12"),
        ]);
        var config = Broker.Config();
        var duckdb = config["Warehouse:DuckDb:Path"]!;

        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "daraz", "--file", file]), config, new StringWriter()));

        var names = DuckDbQuery.Column(duckdb, "select PRODUCT_NAME from ORDERS order by ORDER_ID");
        Assert.Equal(4, names.Count);
        Assert.Matches("^Panjabi for NAME_k1_[0-9a-f]{24}, House 12 Dhanmondi$", names[0]);
        Assert.Matches("^#NAME_k1_[0-9a-f]{24} special three piece$", names[1]);
        Assert.Matches("^নাম: NAME_k1_[0-9a-f]{24} - জামদানি শাড়ি$", names[2]);
        Assert.Equal("Mehedi cone pack of 12", names[3]); // henna, not a person
        var fileBytes = DuckDbQuery.FileBytes(duckdb);
        foreach (var raw in new[] { "Nasrin", "Akter", "RahimUddin", "ফাতেমা" })
        {
            var needle = Encoding.UTF8.GetBytes(raw);
            Assert.True(fileBytes.AsSpan().IndexOf(needle) < 0, $"{raw} found in the DuckDB file");
            foreach (var topic in new[] { Topics.AnonymisedOrders, Topics.EnrichedPosts })
            {
                Assert.All(Broker.ReadAll(topic), m => Assert.True(m.Message.Value.AsSpan().IndexOf(needle) < 0, $"{raw} in {topic}"));
            }
        }
    }

    private static char[] PiiDigits(string phone) => Privacy.PiiScrubber.AsciiDigits(phone).Where(char.IsAsciiDigit).ToArray()[^10..];

    [Fact]
    public async Task Ingest_PostsWithPii_SinkTopicHoldsHashesOnly()
    {
        var posts = new[]
        {
            ("rahim_shop", "Notun shari eseche! call 01812-345678 or mail Rahim.Shop@Gmail.com, thanks @fatema_bd"),
            ("fatema_bd", "Amar order pelam, @Rahim_Shop ke dhonnobad. Number +880 1912 345 678"),
            ("karim99", "Price 4500 taka, order SH-42-1007 on 2026-11-20, no phone here"),
        };
        var file = Path.Combine(TempDir, "posts.jsonl");
        await File.WriteAllLinesAsync(file, posts.Select((p, i) =>
            $"{{\"platform\":\"tiktok\",\"post_id\":\"73{i}\",\"author_username\":\"{p.Item1}\",\"content\":{JsonSerializer.Serialize(p.Item2)},"
            + $"\"engagement_count\":{i * 10},\"timestamp\":\"2026-11-20T10:00:00Z\",\"hashtags\":[\"#eid\"],\"product_mentions\":[\"shari\"]}}"));

        var exit = await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "tiktok", "--file", file, "--profile", "stream"]), Broker.Config(), new StringWriter());

        Assert.Equal(0, exit);
        var anonymised = Broker.ReadAll(Topics.AnonymisedPosts)
            .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.AnonymisedPost)!)
            .ToDictionary(p => p.PostId);
        Assert.Equal(3, anonymised.Count);
        var hasher = TestConfig.Hasher;
        Assert.Equal(hasher.HashUser("rahim_shop"), anonymised["730"].AuthorUsernameHash);
        Assert.Equal(
            $"Notun shari eseche! call PHONE_{hasher.HashPhone("8801812345678")} or mail EMAIL_{hasher.HashEmail("rahim.shop@gmail.com")}, thanks USER_{hasher.HashUser("fatema_bd")}",
            anonymised["730"].Content);
        Assert.Contains($"USER_{anonymised["730"].AuthorUsernameHash} ke", anonymised["731"].Content, StringComparison.Ordinal);
        Assert.Equal(posts[2].Item2, anonymised["732"].Content);
        var all = string.Join('\n', Broker.ReadAll(Topics.AnonymisedPosts).Select(m => Encoding.UTF8.GetString(m.Message.Value)));
        foreach (var secret in new[] { "rahim_shop", "Rahim_Shop", "fatema_bd", "karim99", "345678", "Gmail", "1912" })
        {
            Assert.DoesNotContain(secret, all, StringComparison.Ordinal);
        }
    }
}
