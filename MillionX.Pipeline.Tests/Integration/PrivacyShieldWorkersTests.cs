using Confluent.Kafka;
using MillionX.Pipeline.Stages.PrivacyShield;
using MillionX.Pipeline.Tests.Unit;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>privacy-shield with several workers: every record comes through once, and each partition's records in order.</summary>
public sealed class PrivacyShieldWorkersTests : BrokerTest
{
    [Fact]
    public async Task ThreeWorkers_EverySourcePartitionsOrdersKeepTheirOrder()
    {
        const int perPartition = 300;
        var partitions = TestConfig.CatalogPartitions()[Topics.MarketShopify];
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = Broker.Bootstrap }).Build())
        {
            for (var i = 0; i < perPartition; i++)
            {
                for (var p = 0; p < partitions; p++)
                {
                    var id = $"SH-{p}-{i:D4}";
                    producer.Produce(new TopicPartition(Topics.MarketShopify, new Partition(p)),
                        new Message<byte[]?, byte[]> { Key = Encoding.UTF8.GetBytes(id), Value = RawRecords.Order(("order_id", RawRecords.Str(id))) });
                }
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        }

        using var host = RunCommand.Build(CommandLine.Parse(["--role", PrivacyShieldStage.StageName]), Broker.Config().With("Stages:privacy-shield:Workers", "3"));
        await host.StartAsync();
        Assert.Equal(3, host.Services.GetServices<IHostedService>().OfType<PrivacyShieldStage>().Single().Workers);
        var total = perPartition * partitions;
        Assert.True(await TestConfig.Eventually(() => Broker.Count(Topics.AnonymisedOrders) >= total, TimeSpan.FromSeconds(60)), "the orders did not come through");
        await host.StopAsync();

        var output = Broker.ReadAll(Topics.AnonymisedOrders);
        var ids = output.Select(r => JsonSerializer.Deserialize(r.Message.Value, ContractJson.Default.AnonymisedOrder)!.OrderId).ToList();
        Assert.Equal(total, ids.Distinct().Count());
        Assert.Equal(total, ids.Count);

        // Within each output partition (in offset order), the orders of one source partition follow their source order.
        foreach (var outPartition in output.GroupBy(r => r.Partition.Value))
        {
            var last = new Dictionary<int, int>();
            foreach (var r in outPartition.OrderBy(r => r.Offset.Value))
            {
                var parts = JsonSerializer.Deserialize(r.Message.Value, ContractJson.Default.AnonymisedOrder)!.OrderId.Split('-');
                var (source, seq) = (int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
                Assert.True(seq > last.GetValueOrDefault(source, -1), $"source partition {source}: order {seq} after {last.GetValueOrDefault(source)} in output partition {outPartition.Key}");
                last[source] = seq;
            }
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void WorkerOf_EachPartitionHasOneWorker_AndEveryWorkerGetsPartitions(int workers)
    {
        var used = new HashSet<int>();
        foreach (var (topic, partitions) in new[] { (Topics.SocialTiktok, 8), (Topics.SocialFacebook, 8), (Topics.MarketShopify, 4), (Topics.MarketDaraz, 4) })
        {
            for (var p = 0; p < partitions; p++)
            {
                var worker = PrivacyShieldStage.WorkerOf(topic, p, workers);
                Assert.InRange(worker, 0, workers - 1);
                Assert.Equal(worker, PrivacyShieldStage.WorkerOf(topic, p, workers));
                used.Add(worker);
            }
        }

        Assert.Equal(workers, used.Count);
    }
}
