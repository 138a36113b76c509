using Confluent.Kafka;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// embedding-service with Output = kafka hands vectors to the vector-sink role over enriched.embeddings; the sink
/// loads them into the DuckDB vector store once each, and dead-letters what is not a vector.
/// </summary>
public sealed class VectorSinkTests : BrokerTest
{
    private static string Post(int i) =>
        $"{{\"platform\":\"tiktok\",\"post_id\":\"{9100 + i}\",\"author_username\":\"seller_{i % 5}\","
        + $"\"content\":{JsonSerializer.Serialize($"Notun collection {i}: panjabi, shari ar juta, call 017{i % 10}1234567")},"
        + $"\"engagement_count\":{i * 7},\"timestamp\":\"2026-11-21T09:{i % 60:D2}:00Z\",\"hashtags\":[\"#eid\"],\"product_mentions\":[]}}";

    [Fact]
    public async Task SplitRoles_EveryPostLandsOnceThroughTheTopic_AndAForgedMessageIsDeadLettered()
    {
        var config = Broker.Config()
            .With("Stages:embedding-service:Output", "kafka")
            .With("Stages:vector-sink:Enabled", "true");
        var duckdb = config["Warehouse:DuckDb:Path"]!;

        // Something that is not an embedded vector on the sink's topic: dead-lettered with its reason, nothing stops.
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = Broker.Bootstrap }).Build())
        {
            await producer.ProduceAsync(Topics.EnrichedEmbeddings, new Message<byte[]?, byte[]>
            {
                Key = Encoding.UTF8.GetBytes("forged"),
                Value = Encoding.UTF8.GetBytes("{\"post_id\":\"forged\",\"platform\":\"tiktok\",\"vector\":\"AAAA\"}"),
            });
        }

        var posts = Path.Combine(TempDir, "posts.jsonl");
        await File.WriteAllLinesAsync(posts, Enumerable.Range(0, 40).Select(Post));
        var summaryPath = Path.Combine(TempDir, "summary.json");
        Assert.Equal(0, await IngestCommand.RunAsync(
            CommandLine.Parse(["ingest", "--source", "tiktok", "--file", posts, "--profile", "stream", "--summary-json", summaryPath]), config, new StringWriter()));

        using (var summary = JsonDocument.Parse(await File.ReadAllTextAsync(summaryPath)))
        {
            Assert.Equal(40, summary.RootElement.GetProperty("accepted").GetInt64());
            Assert.Contains("vector-sink", summary.RootElement.GetProperty("downstream_stages").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(40, summary.RootElement.GetProperty("vectors").GetInt64());
        }

        // The topic carried every post (keyed by post id), and the store holds each once, unit length, no raw phone.
        var carried = Broker.ReadAll(Topics.EnrichedEmbeddings).Select(r => Encoding.UTF8.GetString(r.Message.Key!)).Where(k => k != "forged").ToList();
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"{9100 + i}").Order(StringComparer.Ordinal), carried.Order(StringComparer.Ordinal));
        Assert.All(Broker.ReadAll(Topics.EnrichedEmbeddings).Where(r => Encoding.UTF8.GetString(r.Message.Key!) != "forged"),
            r => Assert.NotNull(PipelineHeaders.IngestedAtOf(r.Message.Headers)));
        Assert.Equal(40, DuckDbQuery.Scalar(duckdb, "select count(distinct POST_ID) from POST_VECTORS"));
        Assert.Equal(40, DuckDbQuery.Scalar(duckdb, "select count(*) from POST_VECTORS"));
        Assert.Equal(0, DuckDbQuery.Scalar(duckdb, "select count(*) from POST_VECTORS where abs(list_sum(list_transform(VECTOR::FLOAT[], x -> x * x)) - 1) > 1e-3"));
        Assert.Equal(0, DuckDbQuery.Scalar(duckdb, "select count(*) from POST_VECTORS where CONTENT like '%1234567%'"));

        var dead = Broker.ReadAll(Topics.DeadLettersSocial).Select(r => JsonDocument.Parse(r.Message.Value).RootElement).ToList();
        var forged = Assert.Single(dead, d => d.GetProperty("source_topic").GetString() == Topics.EnrichedEmbeddings);
        Assert.Equal("vector-sink", forged.GetProperty("stage").GetString());
        Assert.Equal("missing_field", forged.GetProperty("reason").GetString());

        // Search reads what the sink wrote.
        var target = DuckDbQuery.Column(duckdb, "select ENRICHED_CONTENT from POST_VECTORS where POST_ID = '9117'")[0]!;
        var output = new StringWriter();
        Assert.Equal(0, await SearchCommand.RunAsync(CommandLine.Parse(["search", target, "--top", "1", "--json"]), config, output));
        Assert.Equal("9117", JsonDocument.Parse(output.ToString().Trim()).RootElement.GetProperty("post_id").GetString());
    }
}
