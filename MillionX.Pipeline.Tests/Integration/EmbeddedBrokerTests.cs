using Confluent.Kafka;

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

    private static void Produce(EmbeddedBroker broker, int from, int count)
    {
        using var p = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build();
        for (int i = from; i < from + count; i++)
        {
            p.Produce(new TopicPartition("t.delete", 0), new Message<Null, string> { Value = $"v{i}" });
        }

        Assert.Equal(0, p.Flush(TimeSpan.FromSeconds(10)));
    }
}
