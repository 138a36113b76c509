using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.Kafka;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class KafkaClientFactoryTests
{
    [Fact]
    public void ConsumerConfig_LayersDefaultsClientConsumerAndTheStagesOwnSection()
    {
        var options = Options.Create(new KafkaOptions
        {
            BootstrapServers = "broker:9092",
            Client = new Dictionary<string, string> { ["client.rack"] = "dhaka-1", ["session.timeout.ms"] = "20000" },
            Consumer = new Dictionary<string, string> { ["session.timeout.ms"] = "30000", ["fetch.max.bytes"] = "1000000" },
        });
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stages:embedding-service:Kafka:max.poll.interval.ms"] = "600000",
            ["Stages:embedding-service:Kafka:fetch.max.bytes"] = "2000000",
            ["Stages:warehouse-sink:Kafka:fetch.max.bytes"] = "3000000",
        }).Build();
        using var cluster = new KafkaCluster(options, NullLogger<KafkaCluster>.Instance);
        var factory = new KafkaClientFactory(cluster, options, NullLoggerFactory.Instance, configuration);

        var embedding = factory.ConsumerConfig("embedding-service");
        var privacy = factory.ConsumerConfig("privacy-shield");

        Assert.Equal("600000", embedding.Get("max.poll.interval.ms"));   // the stage's own key
        Assert.Equal("2000000", embedding.Get("fetch.max.bytes"));       // the stage beats Kafka:Consumer
        Assert.Equal("30000", embedding.Get("session.timeout.ms"));      // Kafka:Consumer beats Kafka:Client
        Assert.Equal("dhaka-1", embedding.Get("client.rack"));
        Assert.Equal("false", embedding.Get("enable.auto.offset.store")); // the at-least-once default stays
        Assert.Equal("millionx-embedding-service", embedding.GroupId);
        Assert.Null(privacy.Get("max.poll.interval.ms"));                 // another stage's section does not leak
        Assert.Equal("1000000", privacy.Get("fetch.max.bytes"));
        Assert.Equal("16384", privacy.Get("queued.max.messages.kbytes")); // bounded read-ahead per consumer
        Assert.Equal("20", privacy.Get("fetch.queue.backoff.ms"));        // a full read-ahead does not idle a fast stage for 1 s
    }

    [Fact]
    public void ProducerAndAdminConfig_DefaultToStatusOnlyReportsAndA10msAdminLoop_ConfigurationOverrides()
    {
        var plain = Options.Create(new KafkaOptions { BootstrapServers = "broker:9092" });
        var tunedOptions = Options.Create(new KafkaOptions
        {
            BootstrapServers = "broker:9092",
            Client = new Dictionary<string, string> { ["dotnet.cancellation.delay.max.ms"] = "100" },
            Producer = new Dictionary<string, string> { ["dotnet.producer.delivery.report.fields"] = "all" },
        });
        using var plainCluster = new KafkaCluster(plain, NullLogger<KafkaCluster>.Instance);
        using var tunedCluster = new KafkaCluster(tunedOptions, NullLogger<KafkaCluster>.Instance);
        var defaults = new KafkaClientFactory(plainCluster, plain, NullLoggerFactory.Instance);
        var tuned = new KafkaClientFactory(tunedCluster, tunedOptions, NullLoggerFactory.Instance);

        Assert.Equal("status", defaults.ProducerConfig().Get("dotnet.producer.delivery.report.fields")); // no headers copied back per message
        Assert.Equal("10", defaults.AdminConfig().Get("dotnet.cancellation.delay.max.ms"));             // disposal waits 10 ms, not 100
        Assert.Null(defaults.ConsumerConfig("privacy-shield").Get("dotnet.cancellation.delay.max.ms"));  // consumers keep Confluent's default
        Assert.Equal("all", tuned.ProducerConfig().Get("dotnet.producer.delivery.report.fields"));
        Assert.Equal("100", tuned.AdminConfig().Get("dotnet.cancellation.delay.max.ms"));
        Assert.Equal("broker:9092", tuned.AdminConfig().BootstrapServers);
    }

    [Theory]
    [InlineData(SyslogLevel.Emergency, LogLevel.Critical)]
    [InlineData(SyslogLevel.Error, LogLevel.Error)]
    [InlineData(SyslogLevel.Warning, LogLevel.Warning)]
    [InlineData(SyslogLevel.Notice, LogLevel.Information)]
    [InlineData(SyslogLevel.Debug, LogLevel.Debug)]
    public void LevelOf_MapsLibrdkafkaSyslogLevels(SyslogLevel level, LogLevel expected) =>
        Assert.Equal(expected, KafkaClientFactory.LevelOf(level));
}
