using System.Text.RegularExpressions;
using Confluent.Kafka;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>The broker in its own process; the pipeline killed with SIGKILL mid-batch and restarted.</summary>
// Times stops and kills of real processes: run alone, after the parallel tests, so two cores shared with
// the rest of the suite do not decide the outcome.
[Collection(Reliability.SerialReliabilityCollection.Name)]
public sealed partial class CrashSafetyTests
{
    [GeneratedRegex(@"warehouse-sink in=\d+ \S+ out=(\d+)")]
    private static partial Regex WarehouseOut();

    [Fact]
    public async Task Pipeline_KilledMidBatchAndRestarted_WarehouseHasEveryRowOnce()
    {
        var dir = Directory.CreateTempSubdirectory("crash-").FullName;
        var started = await PipelineProcess.StartBrokerAsync(dir);
        using var broker = started.Broker;
        var address = started.Address;

        const int lines = 12_000;
        var file = Path.Combine(dir, "orders.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, lines).Select(i =>
            $"{{\"platform\":\"shopify\",\"order_id\":\"SH-{i}\",\"merchant_id\":\"M-1\",\"product_id\":\"P-{i % 13}\",\"product_name\":\"Cotton Panjabi\","
            + $"\"quantity\":1,\"price\":{1000 + (i % 500)},\"order_status\":\"paid\",\"customer_phone\":\"01712{i:D6}\",\"timestamp\":\"2026-11-20T10:00:00Z\"}}"));

        var env = PipelineProcess.ClientEnvironment(address, "crash-");
        using (var ingest = new PipelineProcess(["ingest", "--source", "shopify", "--file", file, "--profile", "ingest"], env))
        {
            Assert.True(ingest.WaitForExit(TimeSpan.FromSeconds(120)), ingest.AllOutput);
            Assert.Equal(0, ingest.ExitCode);
        }

        var duckdb = TestConfig.TempDuckDb();
        PipelineProcess.KilledSinkEnvironment(env, duckdb);

        // Kill at two different moments: early, and when a good part is loaded.
        foreach (var killAfter in new[] { 1, lines / 3 })
        {
            using var victim = new PipelineProcess([], env);
            var loaded = await TestConfig.Eventually(() => LastOut(victim) >= killAfter, TimeSpan.FromSeconds(60));
            Assert.True(loaded, victim.AllOutput);
            victim.Signal("KILL");
            Assert.True(victim.WaitForExit(TimeSpan.FromSeconds(10)));
            Assert.True(LastOut(victim) < lines, $"the pipeline finished before it was killed ({LastOut(victim)})");
        }

        using (var survivor = new PipelineProcess([], env))
        {
            var done = await TestConfig.Eventually(() => CaughtUp(address, "crash-warehouse-sink", Topics.AnonymisedOrders, 4)
                && CaughtUp(address, "crash-privacy-shield", Topics.MarketShopify, 4), TimeSpan.FromSeconds(120));
            Assert.True(done, survivor.AllOutput);
            survivor.Signal("INT");
            Assert.True(survivor.WaitForExit(TimeSpan.FromSeconds(10)), survivor.AllOutput);
            Assert.Equal(0, survivor.ExitCode);
        }

        Assert.Equal(lines, DuckDbQuery.Scalar(duckdb, "select count(*) from ORDERS"));
        Assert.Equal(lines, DuckDbQuery.Scalar(duckdb, "select count(distinct ORDER_ID) from ORDERS"));
        Assert.Equal(lines, DuckDbQuery.Scalar(duckdb, "select count(*) from PRICE_HISTORY"));
        Assert.Equal(
            Enumerable.Range(0, lines).Sum(i => 1000L + (i % 500)),
            DuckDbQuery.Scalar(duckdb, "select cast(sum(PRICE) as bigint) from ORDERS"));
        broker.Signal("INT");
        Assert.True(broker.WaitForExit(TimeSpan.FromSeconds(10)), broker.AllOutput);
        Directory.Delete(dir, true);
    }

    private static long LastOut(PipelineProcess p) =>
        p.Stdout.Select(l => WarehouseOut().Match(l)).Where(m => m.Success).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Last();

    private static bool CaughtUp(string bootstrap, string group, string topic, int partitions)
    {
        using var c = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = group }).Build();
        var tps = Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)).ToList();
        var committed = c.Committed(tps, TimeSpan.FromSeconds(5));
        return committed.All(tpo => tpo.Offset.Value >= c.QueryWatermarkOffsets(tpo.TopicPartition, TimeSpan.FromSeconds(5)).High.Value
            && c.QueryWatermarkOffsets(tpo.TopicPartition, TimeSpan.FromSeconds(5)).High.Value > 0);
    }
}
