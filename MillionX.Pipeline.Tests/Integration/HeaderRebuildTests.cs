using Confluent.Kafka;
using MillionX.Pipeline.Tests.Unit;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// Headers are rebuilt, not copied: whatever a producer put on a source record besides the pipeline's own headers (a
/// customer's phone number, a large blob) does not reach the sink or enriched topics.
/// </summary>
public sealed class HeaderRebuildTests : BrokerTest
{
    [Fact]
    public async Task PrivacyShieldAndEnricher_PassOnlyIngestedAtAndTraceContext()
    {
        var ingestedAt = PipelineHeaders.WithIngestedAt(DateTimeOffset.UtcNow).GetLastBytes(PipelineHeaders.IngestedAt);
        var headers = new Headers
        {
            { PipelineHeaders.IngestedAt, ingestedAt },
            { PipelineHeaders.TraceParent, Encoding.ASCII.GetBytes("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01") },
            { "x-customer-phone", Encoding.UTF8.GetBytes("01711-000234") },
            { "x-blob", new byte[100_000] },
            { PipelineHeaders.IngestedAt, [1, 2, 3] }, // a malformed later copy: the valid one is kept
        };
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = Broker.Bootstrap }).Build())
        {
            producer.Produce(Topics.SocialTiktok, new Message<byte[]?, byte[]> { Key = "7300000000000000001"u8.ToArray(), Value = RawRecords.Post(), Headers = headers });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        }

        var config = Broker.Config().With("Stages:context-enricher:SemanticMatching", "false");
        using var host = RunCommand.Build(CommandLine.Parse(["--role", "privacy-shield,context-enricher"]), config);
        await host.StartAsync();
        Assert.True(await TestConfig.Eventually(() => Broker.Count(Topics.EnrichedPosts) == 1, TimeSpan.FromSeconds(30)), "the post did not come through");
        await host.StopAsync();

        foreach (var topic in new[] { Topics.AnonymisedPosts, Topics.EnrichedPosts })
        {
            var passed = Assert.Single(Broker.ReadAll(topic)).Message.Headers;
            Assert.Equal([PipelineHeaders.IngestedAt, PipelineHeaders.TraceParent], passed.Select(h => h.Key).Order(StringComparer.Ordinal).Reverse());
            Assert.Equal(ingestedAt, passed.GetLastBytes(PipelineHeaders.IngestedAt));
            Assert.Contains("0af7651916cd43dd8448eb211c80319c", Encoding.ASCII.GetString(passed.GetLastBytes(PipelineHeaders.TraceParent)), StringComparison.Ordinal);
        }
    }
}
