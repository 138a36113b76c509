using Confluent.Kafka;
using MillionX.Pipeline.DeadLetters;
using MillionX.Pipeline.Observability;
using MillionX.Pipeline.Stages.DeadLetterMonitor;

namespace MillionX.Pipeline.Tests.Integration;

public sealed class ConsumerGroupTests : BrokerTest
{
    private void ProduceDeadLetters(int count, int start)
    {
        using var p = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = Broker.Bootstrap }).Build();
        for (var i = start; i < start + count; i++)
        {
            var envelope = DeadLetterPublisher.Build(
                new RecordContext("test", Topics.SocialTiktok, 0, i), "{\"x\":1}"u8, [new ValidationError("$.content", ReasonCodes.TooShort, "short")], DateTimeOffset.UtcNow);
            p.Produce(Topics.DeadLettersSocial, new Message<byte[]?, byte[]>
            {
                Key = System.Text.Encoding.UTF8.GetBytes($"k{i}"),
                Value = JsonSerializer.SerializeToUtf8Bytes(envelope, ContractJson.Default.DeadLetterEnvelope),
            });
        }

        Assert.Equal(0, p.Flush(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ConsumerStage_RestartedWithSameGroup_ResumesAfterCommittedOffsets()
    {
        var config = Broker.Config(groupPrefix: $"resume-{Guid.NewGuid():N}-");
        ProduceDeadLetters(40, 0);

        using (var first = RunCommand.Build(CommandLine.Parse(["--role", "dlq-monitor"]), config))
        {
            await first.StartAsync();
            var ledger = first.Services.GetRequiredService<DeadLetterLedger>();
            Assert.True(await TestConfig.Eventually(() => ledger.Total == 40, TimeSpan.FromSeconds(30)), $"first run saw {ledger.Total}");
            await first.StopAsync();
        }

        ProduceDeadLetters(25, 40);
        using var second = RunCommand.Build(CommandLine.Parse(["--role", "dlq-monitor"]), config);
        await second.StartAsync();
        var ledger2 = second.Services.GetRequiredService<DeadLetterLedger>();
        Assert.True(await TestConfig.Eventually(() => ledger2.Total >= 25, TimeSpan.FromSeconds(30)), $"second run saw {ledger2.Total}");
        var stage = second.Services.GetRequiredService<DeadLetterMonitorStage>();
        Assert.True(await ActivatorUtilities.CreateInstance<CatchUp>(second.Services).WaitAsync([stage], TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Equal(25, ledger2.Total);
        Assert.Equal(25, second.Services.GetRequiredService<PipelineMetrics>().Stage("dlq-monitor").In);
        await second.StopAsync();
    }

    [Fact]
    public async Task LocalProfile_SampleRecords_CountsOnTopicsMatchExactly()
    {
        var config = Broker.Config()
            .With("Stages:sample-source:MaxRecords", "600")
            .With("Stages:sample-source:RatePerSecond", "3000")
            .With("Stages:sample-source:InvalidShare", "0.1");
        using var host = RunCommand.Build(CommandLine.Parse(["--profile", "local"]), config);
        await host.StartAsync();
        var metrics = host.Services.GetRequiredService<PipelineMetrics>();
        var source = metrics.Stage("sample-source");
        Assert.True(await TestConfig.Eventually(() => source.Out + source.DeadLettered == 600, TimeSpan.FromSeconds(30)),
            $"out={source.Out} dlq={source.DeadLettered}");
        var ledger = host.Services.GetRequiredService<DeadLetterLedger>();
        Assert.True(await TestConfig.Eventually(() => ledger.Total == source.DeadLettered, TimeSpan.FromSeconds(30)));
        await host.StopAsync();

        long Sum(params string[] topics) => topics.Sum(Broker.Count);
        Assert.Equal(source.Out, Sum(Topics.SocialTiktok, Topics.SocialFacebook, Topics.MarketShopify, Topics.MarketDaraz, Topics.Weather));
        Assert.Equal(source.DeadLettered, Sum([.. Topics.DeadLetters]));
        Assert.InRange(source.DeadLettered, 30, 100);
        Assert.Equal(600, source.In);
    }
}
