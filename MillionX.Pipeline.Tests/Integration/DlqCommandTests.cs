using MillionX.Pipeline.DeadLetters;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// <c>dlq inspect</c> and <c>dlq replay</c> against the embedded broker, with the privacy shield and the DuckDB
/// warehouse sink running as in production (the enricher and embedder are switched off to keep the tests fast).
/// </summary>
public sealed class DlqCommandTests : BrokerTest
{
    private static string Order(int i, string price = "500", string quantity = "2") =>
        $"{{\"platform\":\"shopify\",\"order_id\":\"SH-{i}\",\"merchant_id\":\"M-7\",\"product_id\":\"P-{i % 7}\",\"product_name\":\"Jamdani Shari\",\"quantity\":{quantity},\"price\":{price},\"order_status\":\"paid\",\"customer_phone\":\"+8801712{i:D6}\",\"timestamp\":\"2026-11-20T10:00:00+06:00\"}}";

    /// <summary>20 valid orders; 10 priced 1250.50 (over a MaxPrice of 1000); 5 with quantity 0; 3 cut short.</summary>
    private async Task<string> OrdersFile()
    {
        var lines = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            lines.Add(Order(i));
        }

        for (var i = 100; i < 110; i++)
        {
            lines.Add(Order(i, price: "1250.50"));
        }

        for (var i = 200; i < 205; i++)
        {
            lines.Add(Order(i, quantity: "0"));
        }

        for (var i = 300; i < 303; i++)
        {
            lines.Add(Order(i)[..60]);
        }

        var file = Path.Combine(TempDir, "orders.jsonl");
        await File.WriteAllLinesAsync(file, lines);
        return file;
    }

    private Dictionary<string, string?> Config() => Broker.Config()
        .With("Stages:context-enricher:Enabled", "false")
        .With("Stages:embedding-service:Enabled", "false");

    private static async Task<(int Exit, JsonElement Json, string Errors)> Dlq(Dictionary<string, string?> config, params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var exit = await DlqCommand.RunAsync(CommandLine.Parse(["dlq", .. args, "--json"]), config, output, errors);
        using var doc = JsonDocument.Parse(output.ToString());
        return (exit, doc.RootElement.Clone(), errors.ToString());
    }

    /// <summary>Also with librdkafka's local queue held to 10 messages: replay and its ledger wait on a full queue, losing nothing.</summary>
    [Theory]
    [InlineData(null)]
    [InlineData("10")]
    public async Task Replay_AfterLimitRaised_RepublishesExactlyTheNowValidOnceAndSecondRunChangesNothing(string? producerQueue)
    {
        var config = Config().With("Validation:MaxPrice", "1000");
        if (producerQueue is not null)
        {
            config[ProducerQueueFullTests.TinyQueue] = producerQueue;
        }

        var duckdb = config["Warehouse:DuckDb:Path"]!;
        var file = await OrdersFile();
        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "shopify", "--file", file]), config, new StringWriter()));
        Assert.Equal(20, Broker.Count(Topics.MarketShopify));
        Assert.Equal(18, Broker.Count(Topics.DeadLettersMarket));
        Assert.Equal(20, DuckDbQuery.Scalar(duckdb, "select count(*) from ORDERS"));

        // The limit was a mistake: back to the default. A dry run says what would happen and publishes nothing.
        config.Remove("Validation:MaxPrice");
        var (dryExit, dry, _) = await Dlq(config, "replay", "--dry-run");
        Assert.Equal(0, dryExit);
        Assert.True(dry.GetProperty("dry_run").GetBoolean());
        Assert.Equal(10, dry.GetProperty("replayed").GetInt64());
        Assert.Equal(20, Broker.Count(Topics.MarketShopify));
        Assert.Equal(0, Broker.Count(ReplayLedger.Topic));

        var (exit, first, _) = await Dlq(config, "replay");

        Assert.Equal(0, exit);
        Assert.Equal(18, first.GetProperty("read").GetInt64());
        Assert.Equal(0, first.GetProperty("already_replayed").GetInt64());
        Assert.Equal(10, first.GetProperty("replayed").GetInt64());
        Assert.Equal(10, first.GetProperty("replayed_by_topic").GetProperty(Topics.MarketShopify).GetInt64());
        Assert.Equal(8, first.GetProperty("left").GetInt64());
        Assert.Equal(5, first.GetProperty("left_by_reason").GetProperty("out_of_range").GetInt64());
        Assert.Equal(3, first.GetProperty("left_by_reason").GetProperty("malformed_json").GetInt64());
        Assert.True(first.GetProperty("downstream_caught_up").GetBoolean());
        Assert.Equal(30, Broker.Count(Topics.MarketShopify));
        Assert.Equal(10, Broker.Count(ReplayLedger.Topic));
        Assert.Equal(30, DuckDbQuery.Scalar(duckdb, "select count(*) from ORDERS"));
        Assert.Equal(10, DuckDbQuery.Scalar(duckdb, "select count(*) from ORDERS where ORDER_ID like 'SH-1__' and PRICE = 1250.50"));
        Assert.Equal(0, DuckDbQuery.Scalar(duckdb, "select count(*) from ORDERS where ORDER_ID like 'SH-2__' or ORDER_ID like 'SH-3__'"));

        // The re-published records say where they came from and how often they were retried.
        var replayed = Broker.ReadAll(Topics.MarketShopify).Where(r => r.Message.Headers.TryGetLastBytes(ReplayLedger.ReplayOfHeader, out _)).ToList();
        Assert.Equal(10, replayed.Count);
        Assert.All(replayed, r =>
        {
            Assert.True(r.Message.Headers.TryGetLastBytes(DeadLetterHeaders.RetryCount, out var retry));
            Assert.Equal("1", Encoding.UTF8.GetString(retry));
            Assert.True(r.Message.Headers.TryGetLastBytes(ReplayLedger.ReplayOfHeader, out var of));
            Assert.StartsWith(Topics.DeadLettersMarket + "/", Encoding.UTF8.GetString(of), StringComparison.Ordinal);
        });

        var (exit2, second, _) = await Dlq(config, "replay");

        Assert.Equal(0, exit2);
        Assert.Equal(18, second.GetProperty("read").GetInt64());
        Assert.Equal(10, second.GetProperty("already_replayed").GetInt64());
        Assert.Equal(0, second.GetProperty("replayed").GetInt64());
        Assert.Equal(8, second.GetProperty("left").GetInt64());
        Assert.Equal(30, Broker.Count(Topics.MarketShopify));
        Assert.Equal(10, Broker.Count(ReplayLedger.Topic));
        Assert.Equal(30, DuckDbQuery.Scalar(duckdb, "select count(*) from ORDERS"));
    }

    [Fact]
    public async Task Replay_ReasonFilter_LeavesOtherReasonsUnread()
    {
        var config = Config().With("Validation:MaxPrice", "1000");
        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "shopify", "--file", await OrdersFile()]), config, new StringWriter()));
        config.Remove("Validation:MaxPrice");

        var (exit, summary, _) = await Dlq(config, "replay", "--reason", "malformed_json", "--publish-only");

        Assert.Equal(0, exit);
        Assert.Equal(18, summary.GetProperty("read").GetInt64());
        Assert.Equal(3, summary.GetProperty("selected").GetInt64());
        Assert.Equal(0, summary.GetProperty("replayed").GetInt64());
        Assert.Equal(3, summary.GetProperty("left_by_reason").GetProperty("malformed_json").GetInt64());
        Assert.Empty(summary.GetProperty("downstream_stages").EnumerateArray());
        Assert.Equal(20, Broker.Count(Topics.MarketShopify));
    }

    [Fact]
    public async Task Inspect_CountsByReasonAndStage_SamplesMaskPhonesAndUsernames()
    {
        var config = Config().With("Validation:MaxPrice", "1000");
        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "shopify", "--file", await OrdersFile()]), config, new StringWriter()));
        var posts = Path.Combine(TempDir, "posts.jsonl");
        // Too short to be valid (content under 5 characters), carrying a username, a phone and an e-mail.
        await File.WriteAllLinesAsync(posts, Enumerable.Range(0, 4).Select(i =>
            $"{{\"platform\":\"tiktok\",\"post_id\":\"T-{i}\",\"author_username\":\"rahim_{i}\",\"content\":\"017{i}\",\"engagement_count\":3,\"timestamp\":\"2026-11-20T10:00:00Z\",\"hashtags\":[\"call 01812-345-67{i} or rahim{i}@mail.com\"],\"product_mentions\":[]}}"));
        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "tiktok", "--file", posts]), config, new StringWriter()));

        var (exit, report, _) = await Dlq(config, "inspect", "--samples", "2");

        Assert.Equal(0, exit);
        Assert.Equal(22, report.GetProperty("read").GetInt64());
        var counts = report.GetProperty("counts").EnumerateArray()
            .ToDictionary(c => (c.GetProperty("topic").GetString(), c.GetProperty("stage").GetString(), c.GetProperty("reason").GetString()), c => c.GetProperty("count").GetInt64());
        Assert.Equal(15, counts[(Topics.DeadLettersMarket, "ingest", "out_of_range")]);
        Assert.Equal(3, counts[(Topics.DeadLettersMarket, "ingest", "malformed_json")]);
        Assert.Equal(4, counts[(Topics.DeadLettersSocial, "ingest", "too_short")]);
        var samples = report.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal(6, samples.Count);
        var text = report.GetRawText();
        Assert.DoesNotContain("rahim_", text, StringComparison.Ordinal);
        Assert.DoesNotContain("@mail.com", text, StringComparison.Ordinal);
        Assert.DoesNotContain("1712", text, StringComparison.Ordinal);
        Assert.DoesNotContain("345-67", text, StringComparison.Ordinal);
        var post = samples.First(s => s.GetProperty("reason").GetString() == "too_short").GetProperty("masked_payload").GetString()!;
        var id = int.Parse(post[(post.IndexOf("\"T-", StringComparison.Ordinal) + 3)..][..1], CultureInfo.InvariantCulture);
        Assert.Contains("USER_" + TestConfig.Hasher.HashUser($"rahim_{id}"), post, StringComparison.Ordinal);
        Assert.Contains("PHONE_" + TestConfig.Hasher.HashPhone($"880181234567{id}"), post, StringComparison.Ordinal);
        Assert.Contains("EMAIL_" + TestConfig.Hasher.HashEmail($"rahim{id}@mail.com"), post, StringComparison.Ordinal);
        var order = samples.First(s => s.GetProperty("reason").GetString() == "out_of_range").GetProperty("masked_payload").GetString()!;
        Assert.Matches("\"customer_phone\":\"CONTACT_k1_[0-9a-f]{24}\"", order);

        // --topic and --reason narrow it; the plain-text table has one line per (topic, stage, reason).
        var output = new StringWriter();
        Assert.Equal(0, await DlqCommand.RunAsync(CommandLine.Parse(["dlq", "inspect", "--topic", Topics.DeadLettersMarket, "--reason", "malformed_json"]), config, output));
        Assert.Contains("dead letters read 18, matching 3", output.ToString(), StringComparison.Ordinal);
        Assert.Matches(@"dead-letters-market \| ingest \| malformed_json \| 3", output.ToString());
        Assert.DoesNotContain("1712", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_BrokerWithoutLedgerTopic_FailsNamingTheTopic()
    {
        using var bare = EmbeddedBroker.Start(1);
        foreach (var topic in Topics.All)
        {
            bare.CreateTopic(topic, TestConfig.CatalogPartitions()[topic]);
        }

        var errors = new StringWriter();
        var exit = await DlqCommand.RunAsync(CommandLine.Parse(["dlq", "replay", "--publish-only"]), TestConfig.Quiet(bootstrap: bare.BootstrapServers), new StringWriter(), errors);

        Assert.Equal(1, exit);
        Assert.Contains($"Topic '{ReplayLedger.Topic}' does not exist", errors.ToString(), StringComparison.Ordinal);
        Assert.Contains("topics verify", errors.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inspect --topic dead-letters-misc", "dead-letters-social, dead-letters-market, dead-letters-weather")]
    [InlineData("replay --reason bad_vibes", "out_of_range")]
    [InlineData("inspect --samples lots", "0..1000")]
    [InlineData("rewind", "inspect, replay")]
    public async Task Dlq_BadUsage_UsageErrorNamingValidValues(string args, string named)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => DlqCommand.RunAsync(CommandLine.Parse(["dlq", .. args.Split(' ')]), Config()));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmbeddedIngest_ThenDlqWithoutBroker_InspectsAndReplaysTheArchiveOnce()
    {
        // An embedded run: the broker dies with the ingest; the dead letters stay in DEAD_LETTERS (still encrypted).
        var config = TestConfig.Quiet()
            .With("Stages:context-enricher:Enabled", "false")
            .With("Stages:embedding-service:Enabled", "false")
            .With("Validation:MaxPrice", "1000");
        var duckdb = config["Warehouse:DuckDb:Path"]!;
        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "shopify", "--file", await OrdersFile()]), config, new StringWriter()));
        Assert.Equal(20, DuckDbQuery.Scalar(duckdb, "select count(*) from ORDERS"));
        Assert.Equal(18, DuckDbQuery.Scalar(duckdb, "select count(*) from DEAD_LETTERS"));
        Assert.Equal(18, DuckDbQuery.Scalar(duckdb, $"select count(*) from DEAD_LETTERS where TOPIC = '{Topics.DeadLettersMarket}' and REPLAYED_AT is null"));
        var stored = DuckDbQuery.Column(duckdb, "select MESSAGE_BASE64 from DEAD_LETTERS").Select(b => Encoding.UTF8.GetString(Convert.FromBase64String(b!))).ToList();
        Assert.All(stored, m => Assert.DoesNotContain("+8801712", m, StringComparison.Ordinal)); // the payload stays encrypted

        var (inspectExit, inspect, _) = await Dlq(config, "inspect");
        Assert.Equal(0, inspectExit);
        Assert.Equal(18, inspect.GetProperty("read").GetInt64());
        var counts = inspect.GetProperty("counts").EnumerateArray().ToDictionary(c => c.GetProperty("reason").GetString()!, c => c.GetProperty("count").GetInt64());
        Assert.Equal(15, counts["out_of_range"]);
        Assert.Equal(3, counts["malformed_json"]);

        // The limit was a mistake: replay from the archive through this command's own embedded broker and stages.
        config.Remove("Validation:MaxPrice");
        var (exit, first, _) = await Dlq(config, "replay");
        Assert.Equal(0, exit);
        Assert.Equal(18, first.GetProperty("read").GetInt64());
        Assert.Equal(10, first.GetProperty("replayed").GetInt64());
        Assert.Equal(8, first.GetProperty("left").GetInt64());
        Assert.True(first.GetProperty("downstream_caught_up").GetBoolean());
        Assert.Equal(30, DuckDbQuery.Scalar(duckdb, "select count(*) from ORDERS"));
        Assert.Equal(10, DuckDbQuery.Scalar(duckdb, "select count(*) from DEAD_LETTERS where REPLAYED_AT is not null"));

        var (exit2, second, _) = await Dlq(config, "replay");
        Assert.Equal(0, exit2);
        Assert.Equal(10, second.GetProperty("already_replayed").GetInt64());
        Assert.Equal(0, second.GetProperty("replayed").GetInt64());
        Assert.Equal(30, DuckDbQuery.Scalar(duckdb, "select count(*) from ORDERS"));
    }

    [Fact]
    public async Task Dlq_WithoutBrokerOnSnowflake_UsageErrorExplainsWhy()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            DlqCommand.RunAsync(CommandLine.Parse(["dlq", "inspect"]), TestConfig.Quiet().With("Warehouse:Writer", "snowflake")));
        Assert.Contains("Kafka:BootstrapServers", ex.Message, StringComparison.Ordinal);
        Assert.Contains("DEAD_LETTERS", ex.Message, StringComparison.Ordinal);
    }
}
