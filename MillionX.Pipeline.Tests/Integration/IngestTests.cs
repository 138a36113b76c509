using MillionX.Pipeline.DeadLetters;

namespace MillionX.Pipeline.Tests.Integration;

public sealed class IngestTests : BrokerTest
{
    private static string Order(int i, string? platform = "shopify", string quantity = "2", string price = "1250.50", string timestamp = "\"2026-11-20T10:00:00+06:00\"") =>
        $"{{\"platform\":\"{platform}\",\"order_id\":\"SH-{i}\",\"merchant_id\":\"M-7\",\"product_id\":\"P-{i % 17}\",\"product_name\":\"Jamdani Shari\",\"quantity\":{quantity},\"price\":{price},\"order_status\":\"paid\",\"customer_phone\":\"+8801712{i:D6}\",\"timestamp\":{timestamp}}}";

    /// <summary>30 invalid lines, three of each of ten kinds, with the reason each must be filed under.</summary>
    private static IEnumerable<(byte[] Line, string Reason)> InvalidOrders(int baseId)
    {
        for (var k = 0; k < 3; k++)
        {
            var i = baseId + k;
            yield return (Encoding.UTF8.GetBytes(Order(i)[..40]), ReasonCodes.MalformedJson);
            yield return (Encoding.UTF8.GetBytes(Order(i).Replace("\"merchant_id\":\"M-7\",", "", StringComparison.Ordinal)), ReasonCodes.MissingField);
            yield return (Encoding.UTF8.GetBytes(Order(i, quantity: "\"two\"")), ReasonCodes.WrongType);
            yield return (Encoding.UTF8.GetBytes(Order(i, quantity: "0")), ReasonCodes.OutOfRange);
            yield return (Encoding.UTF8.GetBytes(Order(i, price: "-5")), ReasonCodes.OutOfRange);
            var utf8 = Encoding.UTF8.GetBytes(Order(i).Replace("Jamdani", "Jam\u00FFdani", StringComparison.Ordinal));
            yield return (utf8.Select(b => b == 0xC3 ? (byte)0xFF : b).ToArray(), ReasonCodes.InvalidUtf8);
            yield return (Encoding.UTF8.GetBytes(Order(i).Replace("Jamdani Shari", new string('x', 300_000), StringComparison.Ordinal)), ReasonCodes.Oversized);
            yield return (Encoding.UTF8.GetBytes(Order(i, platform: "daraz")), ReasonCodes.PlatformMismatch);
            yield return (Encoding.UTF8.GetBytes(Order(i, timestamp: "\"20/11/2026 10:00\"")), ReasonCodes.InvalidTimestamp);
            yield return (Encoding.UTF8.GetBytes(Order(i).Replace("{", "{\"quantity\":1,", StringComparison.Ordinal)), ReasonCodes.DuplicateKey);
        }
    }

    [Fact]
    public async Task Ingest_1000LinesWith30Invalid_Reports970AcceptedAnd30DeadLetteredWithContext()
    {
        var invalid = InvalidOrders(5000).ToList();
        var lines = new List<byte[]>();
        var valid = 0;
        for (var n = 0; n < 1000; n++)
        {
            // Spread the bad lines through the file rather than bunching them.
            lines.Add(n % 33 == 5 && n / 33 < invalid.Count ? invalid[n / 33].Line : Encoding.UTF8.GetBytes(Order(valid++)));
        }

        Assert.Equal(30, lines.Count(l => invalid.Any(x => x.Line == l)));
        var file = Path.Combine(TempDir, "orders.jsonl");
        await File.WriteAllBytesAsync(file, lines.SelectMany(l => l.Append((byte)'\n')).ToArray());
        var summaryPath = Path.Combine(TempDir, "summary.json");
        var output = new StringWriter();

        var exit = await IngestCommand.RunAsync(
            CommandLine.Parse(["ingest", "--source", "shopify", "--file", file, "--summary-json", summaryPath]), Broker.Config(), output);

        Assert.Equal(0, exit);
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(summaryPath));
        var root = summary.RootElement;
        Assert.Equal(1000, root.GetProperty("read").GetInt64());
        Assert.Equal(970, root.GetProperty("accepted").GetInt64());
        Assert.Equal(30, root.GetProperty("dead_lettered").GetInt64());
        Assert.True(root.GetProperty("downstream_caught_up").GetBoolean());
        Assert.Contains("dlq-monitor", root.GetProperty("downstream_stages").EnumerateArray().Select(e => e.GetString()));
        var expectedReasons = invalid.GroupBy(x => x.Reason).ToDictionary(g => g.Key, g => (long)g.Count());
        var reasons = root.GetProperty("dead_letter_reasons").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        Assert.Equal(expectedReasons.OrderBy(r => r.Key), reasons.OrderBy(r => r.Key));
        Assert.Contains("accepted        970", output.ToString(), StringComparison.Ordinal);

        Assert.Equal(970, Broker.Count(Topics.MarketShopify));
        var deadLetters = Broker.ReadAll(Topics.DeadLettersMarket);
        Assert.Equal(30, deadLetters.Count);
        foreach (var record in deadLetters)
        {
            var envelope = JsonSerializer.Deserialize(record.Message.Value, ContractJson.Default.DeadLetterEnvelope)!;
            var lineNo = int.Parse(envelope.Origin!.Split(':')[^1], CultureInfo.InvariantCulture);
            Assert.StartsWith("file:orders.jsonl:", envelope.Origin, StringComparison.Ordinal);
            Assert.Equal("aes-256-gcm", envelope.PayloadEncoding);
            Assert.Equal(lines[lineNo - 1], DeadLetterPublisher.OriginalBytes(envelope, TestConfig.Crypto));
            Assert.Equal(invalid.Single(x => x.Line == lines[lineNo - 1]).Reason, envelope.Reason);
            Assert.NotEmpty(envelope.Errors);
            Assert.All(envelope.Errors, e => Assert.StartsWith("$", e.Path, StringComparison.Ordinal));
            Assert.Equal("ingest", envelope.Stage);
            Assert.Equal(Topics.MarketShopify, envelope.SourceTopic);
            Assert.Equal(0, envelope.RetryCount);
            Assert.Equal(envelope.Reason, Header(record, DeadLetterHeaders.Reason));
            Assert.Equal("ingest", Header(record, DeadLetterHeaders.Stage));
            Assert.Equal(Topics.MarketShopify, Header(record, DeadLetterHeaders.SourceTopic));
            Assert.Equal(envelope.Origin, Header(record, DeadLetterHeaders.Origin));
            Assert.Equal("0", Header(record, DeadLetterHeaders.RetryCount));
            Assert.NotNull(Header(record, DeadLetterHeaders.FailedAt));
        }
    }

    /// <summary>
    /// #12's acceptance at a test's volume: every order in ORDERS and PRICE_HISTORY and the catalogue complete (each
    /// product learnt, every line counted) when the ingest returns, with the enricher running as in the local profile.
    /// The 150,000-order figure is measured with the Release build (docs/performance.md).
    /// </summary>
    [Fact]
    public async Task Ingest_20000OrdersOver400Products_WarehouseAndCatalogueCompleteWhenItReturns()
    {
        const int orders = 20_000, products = 400;
        var lines = Enumerable.Range(0, orders).Select(i =>
            $"{{\"platform\":\"shopify\",\"order_id\":\"CAT-{i}\",\"merchant_id\":\"M-{i % 13}\",\"product_id\":\"P-{i % products}\",\"product_name\":\"Cotton Panjabi model {i % products}\","
            + $"\"quantity\":{1 + (i % 3)},\"price\":{1000 + (i % products) + (i % 7)},\"order_status\":\"paid\",\"timestamp\":\"2026-11-20T10:00:00+06:00\"}}");
        var file = Path.Combine(TempDir, "orders.jsonl");
        await File.WriteAllLinesAsync(file, lines);
        var config = Broker.Config();
        var duckdb = config["Warehouse:DuckDb:Path"]!;

        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "shopify", "--file", file]), config, new StringWriter()));

        Assert.Equal(orders, DuckDbQuery.Scalar(duckdb, "select count(*) from ORDERS"));
        Assert.Equal(orders, DuckDbQuery.Scalar(duckdb, "select count(*) from PRICE_HISTORY"));
        Assert.Equal(products, DuckDbQuery.Scalar(duckdb, "select count(*) from PRODUCT_CATALOGUE"));
        Assert.Equal(orders, DuckDbQuery.Scalar(duckdb, "select cast(sum(TIMES_SEEN) as bigint) from PRODUCT_CATALOGUE"));
        Assert.Equal(0, DuckDbQuery.Scalar(duckdb, "select count(*) from PRODUCT_CATALOGUE where MIN_PRICE > LATEST_PRICE or LATEST_PRICE > MAX_PRICE"));
        Assert.Equal(1006, DuckDbQuery.Scalar(duckdb, "select cast(max(MAX_PRICE) as bigint) from PRODUCT_CATALOGUE where PRODUCT_ID = 'P-0'"));
    }

    [Fact]
    public async Task Ingest_MissingFile_FailsWithClearError()
    {
        var missing = Path.Combine(TempDir, "nope.jsonl");
        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "tiktok", "--file", missing]), Broker.Config()));
        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_UnknownSource_FailsNamingValidSources()
    {
        var file = Path.Combine(TempDir, "x.jsonl");
        await File.WriteAllTextAsync(file, "{}\n");
        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "instagram", "--file", file]), Broker.Config()));
        Assert.Contains("instagram", ex.Message, StringComparison.Ordinal);
        Assert.Contains("tiktok, facebook, shopify, daraz, weather", ex.Message, StringComparison.Ordinal);
    }

    private static string? Header(Confluent.Kafka.ConsumeResult<byte[]?, byte[]> r, string key) =>
        r.Message.Headers.TryGetLastBytes(key, out var b) ? Encoding.UTF8.GetString(b) : null;
}
