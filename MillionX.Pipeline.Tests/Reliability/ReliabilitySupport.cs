using System.Text.RegularExpressions;
using Confluent.Kafka;

namespace MillionX.Pipeline.Tests.Reliability;

/// <summary>
/// Tests whose outage windows and request counts must not share the machine's two cores (or the process-wide metrics)
/// with other tests: xUnit runs this collection alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialReliabilityCollection
{
    public const string Name = "reliability-serial";
}

public static partial class ReliabilitySupport
{
    /// <summary>Sum over partitions of the offsets a consumer group has committed (none committed counts as 0).</summary>
    public static long Committed(string bootstrap, string group, string topic, int partitions)
    {
        using var c = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = group }).Build();
        var committed = c.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10));
        return committed.Sum(tpo => Math.Max(0, tpo.Offset.Value));
    }

    /// <summary>Sum over partitions of the end offsets (messages ever written).</summary>
    public static long End(string bootstrap, string topic, int partitions)
    {
        using var c = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "end-" + Guid.NewGuid() }).Build();
        return Enumerable.Range(0, partitions).Sum(p => c.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
    }

    /// <summary>True when the group has committed every message of the topic (and there is at least one).</summary>
    public static bool CaughtUp(string bootstrap, string group, string topic, int partitions)
    {
        var end = End(bootstrap, topic, partitions);
        return end > 0 && Committed(bootstrap, group, topic, partitions) >= end;
    }

    /// <summary>The current value of a prometheus-net counter in this process (0 when it has no sample yet).</summary>
    public static double Metric(string name, string labels = "")
    {
        using var stream = new MemoryStream();
        Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(stream).GetAwaiter().GetResult();
        var text = Encoding.UTF8.GetString(stream.ToArray());
        return MetricLine().Matches(text)
            .Where(m => m.Groups["name"].Value == name && m.Groups["labels"].Value.Contains(labels, StringComparison.Ordinal))
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
    }

    public static void Produce(string bootstrap, string topic, IEnumerable<(string Key, byte[] Value)> messages)
    {
        using var p = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = bootstrap }).Build();
        foreach (var (key, value) in messages)
        {
            p.Produce(topic, new Message<byte[]?, byte[]> { Key = Encoding.UTF8.GetBytes(key), Value = value });
        }

        if (p.Flush(TimeSpan.FromSeconds(30)) != 0)
        {
            throw new InvalidOperationException($"produce to {topic} was not acknowledged");
        }
    }

    [GeneratedRegex(@"^(?<name>[a-z_]+)(?:\{(?<labels>[^}]*)\})? (?<value>\S+)$", RegexOptions.Multiline)]
    private static partial Regex MetricLine();
}
