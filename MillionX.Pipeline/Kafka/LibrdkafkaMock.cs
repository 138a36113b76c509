using System.Runtime.InteropServices;

namespace MillionX.Pipeline.Kafka;

/// <summary>
/// P/Invoke surface of librdkafka's mock cluster (experimental C API, hence librdkafka.redist is pinned exactly).
/// </summary>
/// <remarks>
/// Confluent.Kafka loads one of several bundled librdkafka builds (on Debian the centos8 one, because the default
/// build needs libsasl2.so.3). A plain DllImport would load a second, different copy, so the resolver binds to the
/// exact file Confluent.Kafka already mapped into the process.
/// </remarks>
internal static partial class LibrdkafkaMock
{
    private const string Lib = "librdkafka";
    private static readonly Lock InitLock = new();
    private static bool _resolverInstalled;

    public static void EnsureLoaded()
    {
        lock (InitLock)
        {
            if (_resolverInstalled)
            {
                return;
            }

            // Forces Confluent.Kafka to pick and load its native library.
            _ = Confluent.Kafka.Library.Version;
            var path = FindLoadedLibrdkafka()
                ?? throw new InvalidOperationException("librdkafka is not mapped into the process after Confluent.Kafka initialised it.");
            NativeLibrary.SetDllImportResolver(typeof(LibrdkafkaMock).Assembly, (name, _, _) =>
                name == Lib ? NativeLibrary.Load(path) : IntPtr.Zero);
            _resolverInstalled = true;
        }
    }

    private static string? FindLoadedLibrdkafka()
    {
        if (!File.Exists("/proc/self/maps"))
        {
            return null;
        }

        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0 && line.Contains("librdkafka", StringComparison.Ordinal) && line.EndsWith(".so", StringComparison.Ordinal))
            {
                return line[slash..];
            }
        }

        return null;
    }

    [LibraryImport(Lib, EntryPoint = "rd_kafka_conf_new")]
    internal static partial IntPtr ConfNew();

    [LibraryImport(Lib, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ConfSet(IntPtr conf, string name, string value, byte[] errstr, UIntPtr errstrSize);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_new")]
    internal static partial IntPtr New(int type, IntPtr conf, byte[] errstr, UIntPtr errstrSize);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_destroy")]
    internal static partial void Destroy(IntPtr rk);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_cluster_new")]
    internal static partial IntPtr ClusterNew(IntPtr rk, int brokerCount);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_cluster_destroy")]
    internal static partial void ClusterDestroy(IntPtr cluster);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    internal static partial IntPtr ClusterBootstraps(IntPtr cluster);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int TopicCreate(IntPtr cluster, string topic, int partitions, int replicationFactor);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_partition_delete_records", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int PartitionDeleteRecords(IntPtr cluster, string topic, int partition, long beforeOffset);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_group_initial_rebalance_delay_ms")]
    internal static partial void GroupInitialRebalanceDelayMs(IntPtr cluster, int delayMs);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_broker_set_down")]
    internal static partial int BrokerSetDown(IntPtr cluster, int brokerId);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_broker_set_up")]
    internal static partial int BrokerSetUp(IntPtr cluster, int brokerId);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_err2str")]
    internal static partial IntPtr Err2Str(int err);

    internal static string ErrorText(int err) => Marshal.PtrToStringUTF8(Err2Str(err)) ?? $"error {err}";

}
