using Confluent.Kafka;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>
/// A real embedded broker (librdkafka mock cluster, the Kafka wire protocol on 127.0.0.1) owned by a test, with the
/// catalog topics from appsettings.json, shared by the hosts a test starts.
/// </summary>
public sealed class TestBroker : IDisposable
{
    private readonly EmbeddedBroker _broker;

    public TestBroker()
    {
        _broker = EmbeddedBroker.Start(1);
        foreach (var (topic, partitions) in TestConfig.CatalogPartitions())
        {
            _broker.CreateTopic(topic, partitions);
        }
    }

    public string Bootstrap => _broker.BootstrapServers;

    public EmbeddedBroker Broker => _broker;

    /// <summary>Host configuration that points at this broker (provisioning off: the mock answers no admin requests).</summary>
    public Dictionary<string, string?> Config(string? groupPrefix = null) => TestConfig.Quiet(groupPrefix, Bootstrap);

    /// <summary>Every message currently in all partitions of <paramref name="topic"/>.</summary>
    public List<ConsumeResult<byte[]?, byte[]>> ReadAll(string topic) => ReadAll(Bootstrap, topic);

    public long Count(string topic)
    {
        using var c = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = Bootstrap, GroupId = "count-" + Guid.NewGuid() }).Build();
        return Enumerable.Range(0, TestConfig.CatalogPartitions()[topic])
            .Sum(p => c.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
    }

    /// <summary>Every message in <paramref name="topic"/>; <paramref name="partitions"/> for a topic outside the catalog.</summary>
    public static List<ConsumeResult<byte[]?, byte[]>> ReadAll(string bootstrap, string topic, int? partitions = null)
    {
        var config = new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "reader-" + Guid.NewGuid(), EnableAutoCommit = false };
        using var c = new ConsumerBuilder<byte[]?, byte[]>(config).Build();
        var assigned = Enumerable.Range(0, partitions ?? TestConfig.CatalogPartitions()[topic]).Select(p => new TopicPartition(topic, p)).ToList();
        var ends = assigned.ToDictionary(tp => tp, tp => c.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value);
        c.Assign(assigned.Select(tp => new TopicPartitionOffset(tp, Offset.Beginning)));
        var results = new List<ConsumeResult<byte[]?, byte[]>>();
        var total = ends.Values.Sum();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (results.Count < total && DateTime.UtcNow < deadline)
        {
            var r = c.Consume(TimeSpan.FromMilliseconds(200));
            if (r is not null && !r.IsPartitionEOF && r.Offset.Value < ends[r.TopicPartition])
            {
                results.Add(r);
            }
        }

        return results;
    }

    public void Dispose() => _broker.Dispose();
}
