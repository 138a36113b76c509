using MillionX.Pipeline.DeadLetters;

namespace MillionX.Pipeline.Tests.Reliability;

/// <summary>
/// The bad-input corpus through the real pipeline (validation gate, privacy shield, enricher, embedding with the stand-in
/// model, warehouse sink on DuckDB): each kind is dead-lettered with its reason or accepted and stored intact, nothing
/// stops, and read = accepted + dead-lettered.
/// </summary>
public sealed class BadInputTests : BrokerTest
{
    [Fact]
    public void Corpus_HasAtLeast40NamedKinds_EachUniqueAndSingleLine()
    {
        var kinds = BadInputCorpus.All;
        Assert.True(kinds.Count >= 40, $"{kinds.Count} kinds");
        Assert.Equal(kinds.Count, kinds.Select(k => k.Name).Distinct().Count());
        Assert.All(kinds, k => Assert.DoesNotContain((byte)'\n', k.Bytes));
        Assert.Contains(kinds, k => k.Accepted);
    }

    [Fact]
    public async Task Corpus_ThroughThePipeline_EachKindDeadLetteredWithItsReasonOrAcceptedIntact()
    {
        var config = Broker.Config()
            .With("Stages:warehouse-sink:Enabled", "true")
            .With("Stages:context-enricher:MaxStaleness", "00:00:00");
        var duckdb = config["Warehouse:DuckDb:Path"]!;
        var outcomes = new Dictionary<string, string>(StringComparer.Ordinal);
        long read = 0, accepted = 0, deadLettered = 0;

        foreach (var group in BadInputCorpus.All.GroupBy(k => k.Source))
        {
            var kinds = group.ToList();
            var (source, topic, dlq) = group.Key switch
            {
                CorpusSource.Tiktok => ("tiktok", Topics.SocialTiktok, Topics.DeadLettersSocial),
                CorpusSource.Shopify => ("shopify", Topics.MarketShopify, Topics.DeadLettersMarket),
                _ => ("weather", Topics.Weather, Topics.DeadLettersWeather),
            };
            var file = Path.Combine(TempDir, $"{source}.jsonl");
            await File.WriteAllBytesAsync(file, kinds.SelectMany(k => k.Bytes.Append((byte)'\n')).ToArray());
            var summaryPath = Path.Combine(TempDir, $"{source}.summary.json");
            var output = new StringWriter();

            var exit = await IngestCommand.RunAsync(
                CommandLine.Parse(["ingest", "--source", source, "--file", file, "--profile", "stream", "--summary-json", summaryPath]), config, output);

            Assert.True(exit == 0, output.ToString());
            using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(summaryPath));
            var root = summary.RootElement;
            Assert.True(root.GetProperty("downstream_caught_up").GetBoolean(), output.ToString());
            var r = root.GetProperty("read").GetInt64();
            var a = root.GetProperty("accepted").GetInt64();
            var d = root.GetProperty("dead_lettered").GetInt64();
            Assert.Equal(kinds.Count, r);
            Assert.Equal(r, a + d);
            (read, accepted, deadLettered) = (read + r, accepted + a, deadLettered + d);

            foreach (var record in Broker.ReadAll(dlq).Where(m => Header(m, DeadLetterHeaders.SourceTopic) == topic))
            {
                var envelope = JsonSerializer.Deserialize(record.Message.Value, ContractJson.Default.DeadLetterEnvelope)!;
                Assert.Equal("ingest", envelope.Stage);
                var line = int.Parse(envelope.Origin!.Split(':')[^1], CultureInfo.InvariantCulture);
                var kind = kinds[line - 1];
                Assert.False(outcomes.ContainsKey(kind.Name), $"{kind.Name} dead-lettered twice");
                outcomes[kind.Name] = envelope.Reason;
                Assert.NotEmpty(envelope.Errors);
                Assert.Equal(envelope.Reason, envelope.Errors[0].Code);
                var original = DeadLetterPublisher.OriginalBytes(envelope, TestConfig.Crypto);
                Assert.Equal(kind.Bytes.Length > 512 * 1024 ? kind.Bytes[..(512 * 1024)] : kind.Bytes, original);
            }
        }

        // Nothing dead-lettered downstream of the gate: what the gate accepted, every later stage accepted too.
        foreach (var dlq in new[] { Topics.DeadLettersSocial, Topics.DeadLettersMarket, Topics.DeadLettersWeather })
        {
            Assert.All(Broker.ReadAll(dlq), m => Assert.Equal("ingest", Header(m, DeadLetterHeaders.Stage)));
        }

        var vectors = Rows(duckdb, "select POST_ID, CONTENT from POST_VECTORS");
        var orders = Rows(duckdb, "select ORDER_ID, PRODUCT_NAME from ORDERS");
        var weather = Rows(duckdb, "select CITY, CITY from WEATHER_LOGS");
        var mismatches = new List<string>();
        for (var i = 0; i < BadInputCorpus.All.Count; i++)
        {
            var kind = BadInputCorpus.All[i];
            var landed = kind.Source switch
            {
                CorpusSource.Tiktok => vectors.ContainsKey($"BI-{i}"),
                CorpusSource.Shopify => orders.ContainsKey($"BI-{i}"),
                _ => weather.ContainsKey($"BadCity{i}"),
            };
            var actual = outcomes.TryGetValue(kind.Name, out var reason) ? reason : landed ? "accepted" : "LOST";
            if (actual != (kind.Reason ?? "accepted") || (reason is not null && landed))
            {
                mismatches.Add($"{kind.Name}: expected {kind.Reason ?? "accepted"}, got {actual}{(reason is not null && landed ? " and landed" : "")}");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
        Assert.Equal(read, accepted + deadLettered);
        Assert.Equal(BadInputCorpus.All.Count(k => k.Accepted), accepted);

        // Accepted hostile text is stored exactly as sent: no SQL breakage, no escaping, no truncation.
        var sql = BadInputCorpus.All.ToList().FindIndex(k => k.Name == "post_sql_injection_text");
        Assert.Equal("Robert'); DROP TABLE POST_VECTORS; -- ' OR '1'='1", vectors[$"BI-{sql}"]);
        var html = BadInputCorpus.All.ToList().FindIndex(k => k.Name == "post_html_injection_text");
        Assert.Equal("<script>alert('x')</script><img src=x onerror=alert(1)> offer!", vectors[$"BI-{html}"]);
        var bengali = BadInputCorpus.All.ToList().FindIndex(k => k.Name == "post_bengali_with_zwj_and_emoji");
        Assert.Equal("ঈদের নতুন শাড়ি ক্\u200Dষ \U0001F60D দাম কত?", vectors[$"BI-{bengali}"]);
        var orderSql = BadInputCorpus.All.ToList().FindIndex(k => k.Name == "order_sql_injection_name");
        Assert.Equal("Shari'); DROP TABLE ORDERS; --", orders[$"BI-{orderSql}"]);
        var orderHtml = BadInputCorpus.All.ToList().FindIndex(k => k.Name == "order_html_injection_name");
        Assert.Equal("<b onmouseover=\"alert(1)\">Panjabi</b>", orders[$"BI-{orderHtml}"]);
    }

    private static Dictionary<string, string?> Rows(string duckdb, string sql)
    {
        using var connection = new DuckDB.NET.Data.DuckDBConnection($"Data Source={duckdb};ACCESS_MODE=READ_ONLY");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (reader.Read())
        {
            rows[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        return rows;
    }

    private static string? Header(Confluent.Kafka.ConsumeResult<byte[]?, byte[]> r, string key) =>
        r.Message.Headers.TryGetLastBytes(key, out var b) ? Encoding.UTF8.GetString(b) : null;
}
