using System.Runtime.InteropServices;

namespace MillionX.Pipeline.Kafka;

/// <summary>
/// librdkafka's mock cluster: the real Kafka wire protocol on 127.0.0.1, data in memory only, for local runs and tests.
/// Each partition keeps only about 5 MiB or 100,000 message sets and silently drops the oldest beyond that, which
/// <see cref="RetentionWatch"/> detects and reports.
/// </summary>
public sealed class EmbeddedBroker : IDisposable
{
    private readonly Lock _lock = new();
    private IntPtr _rk;
    private IntPtr _cluster;

    private EmbeddedBroker(IntPtr rk, IntPtr cluster, string bootstrap)
    {
        _rk = rk;
        _cluster = cluster;
        BootstrapServers = bootstrap;
    }

    public string BootstrapServers { get; }

    public static EmbeddedBroker Start(int brokers)
    {
        LibrdkafkaMock.EnsureLoaded();
        var err = new byte[512];
        var conf = LibrdkafkaMock.ConfNew();
        // The owning handle never connects anywhere; it only hosts the mock cluster's threads and logging.
        LibrdkafkaMock.ConfSet(conf, "log_level", "3", err, (UIntPtr)err.Length);
        var rk = LibrdkafkaMock.New(0, conf, err, (UIntPtr)err.Length);
        if (rk == IntPtr.Zero)
        {
            throw new InvalidOperationException("rd_kafka_new failed: " + Encoding.UTF8.GetString(err).TrimEnd('\0'));
        }

        var cluster = LibrdkafkaMock.ClusterNew(rk, brokers);
        if (cluster == IntPtr.Zero)
        {
            LibrdkafkaMock.Destroy(rk);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        }

        // Consumer groups form at once instead of after the 3 s initial rebalance delay.
        LibrdkafkaMock.GroupInitialRebalanceDelayMs(cluster, 0);
        var bootstrap = Marshal.PtrToStringUTF8(LibrdkafkaMock.ClusterBootstraps(cluster))!;
        return new EmbeddedBroker(rk, cluster, bootstrap);
    }

    public void CreateTopic(string topic, int partitions)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
            var rc = LibrdkafkaMock.TopicCreate(_cluster, topic, partitions, 1);
            if (rc != 0)
            {
                throw new InvalidOperationException($"Embedded broker could not create topic '{topic}': {LibrdkafkaMock.ErrorText(rc)}");
            }
        }
    }

    /// <summary>
    /// Drops a partition's records before <paramref name="beforeOffset"/> (whole message sets, as a broker's DeleteRecords
    /// does), freeing the memory the mock cluster holds them in. Offsets are kept: the log start moves, the end does not.
    /// </summary>
    public void DeleteRecords(string topic, int partition, long beforeOffset)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
            var rc = LibrdkafkaMock.PartitionDeleteRecords(_cluster, topic, partition, beforeOffset);
            if (rc != 0)
            {
                throw new InvalidOperationException($"Embedded broker could not delete the records of {topic} [{partition}] before {beforeOffset}: {LibrdkafkaMock.ErrorText(rc)}");
            }
        }
    }

    /// <summary>Takes a broker down or up (tests of broker outages).</summary>
    public void SetBrokerUp(int brokerId, bool up)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
            _ = up ? LibrdkafkaMock.BrokerSetUp(_cluster, brokerId) : LibrdkafkaMock.BrokerSetDown(_cluster, brokerId);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_cluster != IntPtr.Zero)
            {
                LibrdkafkaMock.ClusterDestroy(_cluster);
                _cluster = IntPtr.Zero;
            }

            if (_rk != IntPtr.Zero)
            {
                LibrdkafkaMock.Destroy(_rk);
                _rk = IntPtr.Zero;
            }
        }
    }
}
