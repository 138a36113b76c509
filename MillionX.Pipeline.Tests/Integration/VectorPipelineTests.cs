namespace MillionX.Pipeline.Tests.Integration;

/// <summary>Posts through privacy shield, enricher and embedding (the real all-MiniLM-L6-v2, int8) into the DuckDB vector store, then search.</summary>
public sealed class VectorPipelineTests : BrokerTest
{
    private static readonly string[] Texts =
    [
        "Eid er notun shari collection, Dhaka delivery free", "Leather juta 20% off shudhu ajke", "Ladies bag er dam koto?",
        "Amar phone ta notun, review dilam", "Boishakh offer cholche, inbox korun", "Cotton panjabi stock e ache",
        "Free delivery Chittagong e, order din", "Smart watch er warranty ache?", "Kids sneakers ekhon available",
    ];

    private static string Post(int i) =>
        $"{{\"platform\":\"{(i % 4 == 3 ? "facebook" : "tiktok")}\",\"post_id\":\"{7300 + i}\",\"author_username\":\"user_{i % 7}\","
        + $"\"content\":{JsonSerializer.Serialize($"{Texts[i % Texts.Length]} #{i} call 01{3 + (i % 7)}12345{i % 1000:D3}")},"
        + $"\"engagement_count\":{i * 13},\"timestamp\":\"2026-11-20T10:{i % 60:D2}:00Z\",\"hashtags\":[\"#eid\"],\"product_mentions\":[]}}";

    [Fact]
    public async Task IngestPosts_EveryAcceptedPostHasOneVector_ReplayKeepsCount_SearchFindsExactText()
    {
        var config = Broker.Config().With("Stages:context-enricher:MaxStaleness", "00:00:00");
        var duckdb = config["Warehouse:DuckDb:Path"]!;
        var orders = Path.Combine(TempDir, "orders.jsonl");
        await File.WriteAllLinesAsync(orders,
        [
            "{\"platform\":\"daraz\",\"order_id\":\"D-1\",\"merchant_id\":\"M\",\"product_id\":\"P-1\",\"product_name\":\"Jamdani Shari\",\"quantity\":1,\"price\":4500,\"order_status\":\"paid\",\"timestamp\":\"2026-11-20T10:00:00Z\"}",
            "{\"platform\":\"daraz\",\"order_id\":\"D-2\",\"merchant_id\":\"M\",\"product_id\":\"P-2\",\"product_name\":\"Leather Juta\",\"quantity\":1,\"price\":2200,\"order_status\":\"paid\",\"timestamp\":\"2026-11-20T10:00:00Z\"}",
        ]);
        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "daraz", "--file", orders, "--profile", "stream"]), config, new StringWriter()));

        var posts = Path.Combine(TempDir, "posts.jsonl");
        var lines = Enumerable.Range(0, 120).Select(Post).ToList();
        lines.Add("{\"platform\":\"tiktok\",\"post_id\":\"bad-1\",\"content\":\"no author\",\"engagement_count\":1,\"timestamp\":\"2026-11-20T10:00:00Z\"}");
        lines.Add("{\"platform\":\"tiktok\",\"post_id\":\"bad-2\",\"author_username\":\"x\",\"content\":\"a b\",\"engagement_count\":1,\"timestamp\":\"2026-11-20T10:00:00Z\"}");
        await File.WriteAllLinesAsync(posts, lines);
        var summaryPath = Path.Combine(TempDir, "summary.json");

        // The file mixes platforms, so ingest it as tiktok: facebook lines are dead-lettered as platform_mismatch.
        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "tiktok", "--file", posts, "--profile", "stream", "--summary-json", summaryPath]), config, new StringWriter()));
        using (var summary = JsonDocument.Parse(await File.ReadAllTextAsync(summaryPath)))
        {
            Assert.Equal(90, summary.RootElement.GetProperty("accepted").GetInt64());
            Assert.Equal(32, summary.RootElement.GetProperty("dead_lettered").GetInt64());
            Assert.Equal(90, summary.RootElement.GetProperty("vectors").GetInt64());
        }

        Assert.Equal(90, DuckDbQuery.Scalar(duckdb, "select count(*) from POST_VECTORS"));
        Assert.Equal(90, DuckDbQuery.Scalar(duckdb, "select count(distinct POST_ID) from POST_VECTORS"));
        Assert.Equal(0, DuckDbQuery.Scalar(duckdb, "select count(*) from POST_VECTORS where abs(list_sum(list_transform(VECTOR::FLOAT[], x -> x * x)) - 1) > 1e-3"));

        // Posts that mention a catalogue product carry it in the enriched text.
        var shari = DuckDbQuery.Column(duckdb, "select ENRICHED_CONTENT from POST_VECTORS where CONTENT like 'Eid er notun shari%'");
        Assert.NotEmpty(shari);
        Assert.All(shari, c => Assert.Contains("| Product: Jamdani Shari, price 4500 BDT", c, StringComparison.Ordinal));
        Assert.All(DuckDbQuery.Column(duckdb, "select ENRICHED_CONTENT from POST_VECTORS where CONTENT like 'Boishakh%'"),
            c => Assert.DoesNotContain("| Product:", c, StringComparison.Ordinal));
        Assert.Equal(0, DuckDbQuery.Scalar(duckdb, "select count(*) from POST_VECTORS where CONTENT like '%01_12345%'"));

        // The same file again: upserts, not new vectors.
        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "tiktok", "--file", posts, "--profile", "stream"]), config, new StringWriter()));
        Assert.Equal(90, DuckDbQuery.Scalar(duckdb, "select count(*) from POST_VECTORS"));

        var target = DuckDbQuery.Column(duckdb, "select ENRICHED_CONTENT from POST_VECTORS where POST_ID = '7301'")[0]!;
        var output = new StringWriter();
        Assert.Equal(0, await SearchCommand.RunAsync(CommandLine.Parse(["search", target, "--top", "3", "--json"]), config, output));
        var hits = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, hits.Count);
        Assert.Equal("7301", hits[0].GetProperty("post_id").GetString());
        Assert.InRange(hits[0].GetProperty("score").GetDouble(), 0.999, 1.0001);

        var facebookOnly = new StringWriter();
        Assert.Equal(0, await SearchCommand.RunAsync(CommandLine.Parse(["search", target, "--platform", "facebook", "--json"]), config, facebookOnly));
        Assert.Empty(facebookOnly.ToString().Trim());
    }
}
