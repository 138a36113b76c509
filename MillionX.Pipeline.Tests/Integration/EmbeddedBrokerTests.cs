using Confluent.Kafka;
using MillionX.Pipeline.Bench;
using MillionX.Pipeline.Privacy;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>The embedded broker's record deletion, which the bench uses to let go of records it has counted.</summary>
public sealed class EmbeddedBrokerTests
{
    [Fact]
    public void DeleteRecords_BeforeTheEnd_MovesTheLogStartKeepsOffsetsAndLaterRecords()
    {
        using var broker = EmbeddedBroker.Start(1);
        broker.CreateTopic("t.delete", 2);
        Produce(broker, 0, 100);

        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "probe" }).Build();
        var tp = new TopicPartition("t.delete", 0);
        var before = probe.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10));
        Assert.Equal(0, before.Low.Value);
        Assert.Equal(100, before.High.Value);

        broker.DeleteRecords("t.delete", 0, before.High.Value);
        var after = probe.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10));
        Assert.Equal(100, after.Low.Value);
        Assert.Equal(100, after.High.Value);

        // Offsets go on from where they were; a reader from the start sees only what came after the deletion.
        Produce(broker, 100, 10);
        using var reader = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers, GroupId = "reader", AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        reader.Assign(new TopicPartitionOffset(tp, Offset.Beginning));
        var read = new List<(long Offset, string Value)>();
        var until = DateTime.UtcNow.AddSeconds(20);
        while (read.Count < 10 && DateTime.UtcNow < until)
        {
            if (reader.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } r)
            {
                read.Add((r.Offset.Value, r.Message.Value));
            }
        }

        Assert.Equal(Enumerable.Range(100, 10).Select(i => ((long)i, $"v{i}")), read);
        Assert.Equal(0, probe.QueryWatermarkOffsets(new TopicPartition("t.delete", 1), TimeSpan.FromSeconds(10)).High.Value);
        Assert.Throws<InvalidOperationException>(() => broker.DeleteRecords("t.delete", 0, 1_000)); // past the end
    }

    [Fact]
    public void BenchTruncate_DropsCountedRecords_KeepsCompactedTopics()
    {
        using var broker = EmbeddedBroker.Start(1);
        broker.CreateTopic("t.delete", 1);
        broker.CreateTopic(KeyFingerprints.Topic, 1);
        Produce(broker, 0, 50);
        Produce(broker, 0, 2, KeyFingerprints.Topic);
        var options = Microsoft.Extensions.Options.Options.Create(new KafkaOptions
        {
            BootstrapServers = broker.BootstrapServers,
            Topics = new() { ["t.delete"] = new TopicSpec { Partitions = 1 }, [KeyFingerprints.Topic] = new TopicSpec { Partitions = 1, CleanupPolicy = "compact" } },
        });
        using var cluster = new KafkaCluster(options, Microsoft.Extensions.Logging.Abstractions.NullLogger<KafkaCluster>.Instance);
        var partitions = new Dictionary<string, int> { ["t.delete"] = 1, [KeyFingerprints.Topic] = 1 };
        using var kafka = new BenchKafka(new KafkaClientFactory(cluster, options, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance), partitions);

        // A real broker keeps a compacted topic's last record per key for good; every host start reads the fingerprints.
        Assert.Equal(50, kafka.Truncate(broker, partitions.Keys));

        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "probe" }).Build();
        Assert.Equal(50, probe.QueryWatermarkOffsets(new TopicPartition("t.delete", 0), TimeSpan.FromSeconds(10)).Low.Value);
        Assert.Equal(0, probe.QueryWatermarkOffsets(new TopicPartition(KeyFingerprints.Topic, 0), TimeSpan.FromSeconds(10)).Low.Value);
    }

    private static void Produce(EmbeddedBroker broker, int from, int count, string topic = "t.delete")
    {
        using var p = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build();
        for (int i = from; i < from + count; i++)
        {
            p.Produce(new TopicPartition(topic, 0), new Message<Null, string> { Value = $"v{i}" });
        }

        Assert.Equal(0, p.Flush(TimeSpan.FromSeconds(10)));
    }
}
