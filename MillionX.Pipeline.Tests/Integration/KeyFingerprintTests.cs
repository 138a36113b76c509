using System.Security.Cryptography;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Privacy;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>Two processes on one broker: one key id must name one key in both, checked through the fingerprint topic.</summary>
public sealed class KeyFingerprintTests : BrokerTest
{
    private Dictionary<string, string?> Config(byte[] hashKey, byte[] deadLetterKey) => Broker.Config()
        .With("Privacy:HashKey", Convert.ToBase64String(hashKey))
        .With("Privacy:DeadLetterKey", Convert.ToBase64String(deadLetterKey));

    private static Task<IHost> StartAsync(Dictionary<string, string?> config) => RoleHost.StartAsync("dlq-monitor", config);

    private static async Task StopAsync(IHost host)
    {
        await host.StopAsync();
        host.Dispose();
    }

    [Fact]
    public async Task Start_SecondProcessHasAnotherHashKeyUnderTheSameId_FailsNamingTheId()
    {
        var first = await StartAsync(Config(TestConfig.HashKey, TestConfig.DeadLetterKey));
        var otherKey = RandomNumberGenerator.GetBytes(32);

        var e = await Assert.ThrowsAsync<StartupException>(() => StartAsync(Config(otherKey, TestConfig.DeadLetterKey)));

        Assert.Contains("Privacy:HashKeyId 'k1'", e.Message, StringComparison.Ordinal);
        Assert.Contains(KeyFingerprints.Of(TestConfig.HashKey), e.Message, StringComparison.Ordinal);
        Assert.Contains(KeyFingerprints.Of(otherKey), e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(otherKey), e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("dead-letter:", e.Message, StringComparison.Ordinal);
        await StopAsync(first);

        // The first process's fingerprint stays the owner of the id: a restart with the first key still starts.
        await StopAsync(await StartAsync(Config(TestConfig.HashKey, TestConfig.DeadLetterKey)));
    }

    [Fact]
    public async Task Start_SecondProcessHasAnotherDeadLetterKeyUnderTheSameId_Fails()
    {
        var first = await StartAsync(Config(TestConfig.HashKey, TestConfig.DeadLetterKey));

        var e = await Assert.ThrowsAsync<StartupException>(() => StartAsync(Config(TestConfig.HashKey, RandomNumberGenerator.GetBytes(32))));

        Assert.Contains("Privacy:DeadLetterKeyId (or Privacy:PreviousDeadLetterKeys) 'd1'", e.Message, StringComparison.Ordinal);
        await StopAsync(first);
    }

    [Fact]
    public async Task Start_TwoProcessesWithTheSameKeys_BothStartAndTheIdsAreRecordedOnce()
    {
        var first = await StartAsync(Config(TestConfig.HashKey, TestConfig.DeadLetterKey));
        var second = await StartAsync(Config(TestConfig.HashKey, TestConfig.DeadLetterKey));

        var records = TestBroker.ReadAll(Broker.Bootstrap, KeyFingerprints.Topic, partitions: 1)
            .Select(r => (Encoding.UTF8.GetString(r.Message.Key!), Encoding.UTF8.GetString(r.Message.Value))).ToList();
        Assert.Equal([("dead-letter:d1", KeyFingerprints.Of(TestConfig.DeadLetterKey)), ("hash:k1", KeyFingerprints.Of(TestConfig.HashKey))], records.Order());
        await StopAsync(second);
        await StopAsync(first);
    }

    [Fact]
    public async Task Start_NewKeyUnderANewId_Starts()
    {
        var first = await StartAsync(Config(TestConfig.HashKey, TestConfig.DeadLetterKey));

        var rotated = Config(RandomNumberGenerator.GetBytes(32), TestConfig.DeadLetterKey).With("Privacy:HashKeyId", "k2");
        await StopAsync(await StartAsync(rotated));
        await StopAsync(first);
    }

    [Fact]
    public async Task Start_FingerprintTopicMissing_FailsNamingHowToCreateIt()
    {
        // A cluster with every catalog topic but the fingerprints' (provisioning is off, as in TestConfig).
        using var broker = EmbeddedBroker.Start(1);
        foreach (var (topic, partitions) in TestConfig.CatalogPartitions().Where(t => t.Key != KeyFingerprints.Topic))
        {
            broker.CreateTopic(topic, partitions);
        }

        var config = TestConfig.Quiet(null, broker.BootstrapServers)
            .With("Privacy:HashKey", Convert.ToBase64String(TestConfig.HashKey))
            .With("Privacy:DeadLetterKey", Convert.ToBase64String(TestConfig.DeadLetterKey));

        var e = await Assert.ThrowsAsync<StartupException>(() => StartAsync(config));

        Assert.Contains($"The topic {KeyFingerprints.Topic}", e.Message, StringComparison.Ordinal);
        Assert.Contains("`topics create`", e.Message, StringComparison.Ordinal);
    }
}
