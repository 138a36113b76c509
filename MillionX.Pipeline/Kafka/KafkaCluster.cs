namespace MillionX.Pipeline.Kafka;

/// <summary>
/// Where this process's Kafka clients connect: the configured brokers, or an embedded in-memory broker started on
/// first use with the whole topic catalog created.
/// </summary>
public sealed class KafkaCluster(IOptions<KafkaOptions> options, ILogger<KafkaCluster> logger) : IDisposable
{
    private readonly Lock _lock = new();
    private EmbeddedBroker? _embedded;
    private string? _bootstrap;

    public bool IsEmbedded => options.Value.IsEmbedded;

    public EmbeddedBroker? Embedded
    {
        get
        {
            _ = BootstrapServers;
            return _embedded;
        }
    }

    public string BootstrapServers
    {
        get
        {
            if (_bootstrap is not null)
            {
                return _bootstrap;
            }

            lock (_lock)
            {
                if (_bootstrap is not null)
                {
                    return _bootstrap;
                }

                var o = options.Value;
                if (!o.IsEmbedded)
                {
                    _bootstrap = o.BootstrapServers;
                    return _bootstrap;
                }

                _embedded = EmbeddedBroker.Start(o.Embedded.Brokers);
                foreach (var (topic, spec) in o.Topics)
                {
                    _embedded.CreateTopic(topic, spec.Partitions);
                }

                logger.LogWarning(
                    "Kafka:BootstrapServers is empty, so an EMBEDDED in-memory Kafka broker runs inside this process at {Bootstrap} with {Topics} catalog topics. "
                    + "It keeps data in memory only, loses everything when the process exits, and is NOT for production; set Kafka:BootstrapServers for a real cluster.",
                    _embedded.BootstrapServers, o.Topics.Count);
                _bootstrap = _embedded.BootstrapServers;
                return _bootstrap;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _embedded?.Dispose();
            _embedded = null;
        }
    }
}
