namespace MillionX.Pipeline.Kafka;

/// <summary>Registered before every stage: the broker (embedded or real) is reachable and the topics exist before any stage starts.</summary>
internal sealed class KafkaStartup(KafkaCluster cluster, TopicProvisioner provisioner, IOptions<KafkaOptions> options, ILogger<KafkaStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (cluster.IsEmbedded)
        {
            _ = cluster.BootstrapServers;
            return;
        }

        logger.LogInformation("Kafka brokers: {Bootstrap}", cluster.BootstrapServers);
        if (options.Value.Provisioning.Enabled)
        {
            await provisioner.ProvisionAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
