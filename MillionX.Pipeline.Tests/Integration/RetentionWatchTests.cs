using Confluent.Kafka;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MillionX.Pipeline.Tests.Integration;

public sealed class RetentionWatchTests
{
    [Fact]
    public void Check_PartitionOutgrowsEmbeddedMemoryLimit_ReportsDroppedMessagesLoudly()
    {
        using var broker = new TestBroker();
        var options = Options.Create(new KafkaOptions
        {
            BootstrapServers = broker.Bootstrap,
            Topics = TestConfig.CatalogPartitions().ToDictionary(t => t.Key, t => new TopicSpec { Partitions = t.Value }),
        });
        using var cluster = new KafkaCluster(options, new FakeLogger<KafkaCluster>());
        var logger = new FakeLogger<RetentionWatch>();
        var watch = new RetentionWatch(cluster, new KafkaClientFactory(cluster, options, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance), options, logger);
        var partition = new TopicPartition(Topics.DeadLettersWeather, 0);
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = broker.Bootstrap, GroupId = "watch" }).Build();

        watch.Check(consumer, [partition]);
        Assert.Equal(0, watch.DroppedTotal);

        // ~7 MiB into one partition: past the mock broker's ~5 MiB per-partition limit.
        using (var p = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = broker.Bootstrap, LingerMs = 0 }).Build())
        {
            var payload = new byte[600 * 1024];
            for (var i = 0; i < 12; i++)
            {
                p.Produce(partition, new Message<Null, byte[]> { Value = payload });
                p.Flush(TimeSpan.FromSeconds(10));
            }
        }

        watch.Check(consumer, [partition]);
        Assert.True(watch.DroppedTotal > 0, "the dropped messages were not detected");
        Assert.Contains(logger.Collector.GetSnapshot(), l => l.Level == LogLevel.Error && l.Message.Contains("DATA LOSS", StringComparison.Ordinal));

        // Reported once, not again on the next check.
        var before = watch.DroppedTotal;
        var errors = logger.Collector.GetSnapshot().Count(l => l.Level == LogLevel.Error);
        watch.Check(consumer, [partition]);
        Assert.Equal(before, watch.DroppedTotal);
        Assert.Equal(errors, logger.Collector.GetSnapshot().Count(l => l.Level == LogLevel.Error));
    }
}
