using System.Text.RegularExpressions;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// "One image scaled by role flag": two processes with the same role on one broker (the broker command) split the
/// partitions in one consumer group; one is killed with SIGKILL mid-load and the survivor takes its partitions over.
/// The sink behind them holds every record exactly once.
/// </summary>
// Times stops and kills of real processes: run alone, after the parallel tests, so two cores shared with
// the rest of the suite do not decide the outcome.
[Collection(Reliability.SerialReliabilityCollection.Name)]
public sealed partial class ReplicaTests(ITestOutputHelper output)
{
    [GeneratedRegex(@"privacy-shield in=\d+ \S+ out=(\d+)")]
    private static partial Regex PrivacyOut();

    [GeneratedRegex(@"Stage privacy-shield (assigned|revoked) ?(.*)$")]
    private static partial Regex Assignment();

    [Fact]
    public async Task TwoReplicasOfOneRole_SplitThePartitions_SurvivorTakesOverAfterSigkill_SinkHoldsEveryRecordOnce()
    {
        var dir = Directory.CreateTempSubdirectory("replicas-").FullName;
        var started = await PipelineProcess.StartBrokerAsync(dir);
        using var broker = started.Broker;
        var address = started.Address;

        var env = PipelineProcess.ClientEnvironment(address, "replicas-");
        env["Observability__ProgressInterval"] = "00:00:00.250";
        env["Kafka__MaxInFlightPerStage"] = "500";
        env["Kafka__Consumer__session.timeout.ms"] = "6000";

        // Both replicas join before any data exists, so the group settles with the partitions split between them.
        using var a = new PipelineProcess(["--role", "privacy-shield"], env);
        using var b = new PipelineProcess(["--role", "privacy-shield"], env);
        Assert.True(await TestConfig.Eventually(() => Owned(a).Count > 0 && Owned(b).Count > 0 && Owned(a).Count + Owned(b).Count == Total, TimeSpan.FromSeconds(60)),
            $"partitions not split: a {string.Join(",", Owned(a))} | b {string.Join(",", Owned(b))}\n{a.AllOutput}\n{b.AllOutput}");
        Assert.Empty(Owned(a).Intersect(Owned(b)));
        output.WriteLine($"a owns {Owned(a).Count}, b owns {Owned(b).Count} of {Total}");

        var duckdb = TestConfig.TempDuckDb();
        var sinkEnv = new Dictionary<string, string>(env) { ["Warehouse__DuckDb__Path"] = duckdb, ["Stages__warehouse-sink__DuckDbMaxBatchAge"] = "00:00:00.200" };
        using var sink = new PipelineProcess(["--role", "warehouse-sink"], sinkEnv);

        const int lines = 30_000;
        var file = Path.Combine(dir, "orders.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, lines).Select(i =>
            $"{{\"platform\":\"shopify\",\"order_id\":\"R-{i}\",\"merchant_id\":\"M-1\",\"product_id\":\"P-{i % 13}\",\"product_name\":\"Cotton Panjabi\","
            + $"\"quantity\":1,\"price\":{1000 + (i % 500)},\"order_status\":\"paid\",\"customer_phone\":\"01712{i:D6}\",\"timestamp\":\"2026-11-20T10:00:00Z\"}}"));
        using var ingest = new PipelineProcess(["ingest", "--source", "shopify", "--file", file, "--profile", "ingest"], env);

        // Kill the replica that is doing the work (the one owning the shopify partitions) while it is mid-load; the
        // other must take its partitions over and finish.
        Assert.True(await TestConfig.Eventually(() => LastOut(a) > 1000 || LastOut(b) > 1000, TimeSpan.FromSeconds(60)), a.AllOutput + "\n" + b.AllOutput);
        var (victim, survivor) = LastOut(a) > 1000 ? (a, b) : (b, a);
        victim.Signal("KILL");
        Assert.True(victim.WaitForExit(TimeSpan.FromSeconds(10)));
        var killedAt = LastOut(victim);
        Assert.True(ingest.WaitForExit(TimeSpan.FromSeconds(120)), ingest.AllOutput);
        Assert.Equal(0, ingest.ExitCode);
        Assert.True(await TestConfig.Eventually(() => Owned(survivor).Count == Total, TimeSpan.FromSeconds(60)), "survivor never took over:\n" + survivor.AllOutput);
        Assert.True(await TestConfig.Eventually(
            () => CaughtUp(address, "replicas-privacy-shield", Topics.MarketShopify) && CaughtUp(address, "replicas-warehouse-sink", Topics.AnonymisedOrders),
            TimeSpan.FromSeconds(120)), survivor.AllOutput + "\n" + sink.AllOutput);
        output.WriteLine($"the victim had written {killedAt} when killed; the survivor wrote {LastOut(survivor)}");

        Assert.True(killedAt < lines, "the victim finished everything before it was killed");
        Assert.True(LastOut(survivor) > 0);
        sink.Signal("INT"); // the sink holds the DuckDB file's lock while it runs
        survivor.Signal("INT");
        Assert.True(sink.WaitForExit(TimeSpan.FromSeconds(15)), sink.AllOutput);
        Assert.True(survivor.WaitForExit(TimeSpan.FromSeconds(15)), survivor.AllOutput);
        Assert.Equal(lines, DuckDbQuery.Scalar(duckdb, "select count(*) from ORDERS"));
        Assert.Equal(lines, DuckDbQuery.Scalar(duckdb, "select count(distinct ORDER_ID) from ORDERS"));
        Assert.Equal(lines, DuckDbQuery.Scalar(duckdb, "select count(*) from PRICE_HISTORY"));
        broker.Signal("INT");
        Assert.True(broker.WaitForExit(TimeSpan.FromSeconds(10)), broker.AllOutput);
        Directory.Delete(dir, true);
    }

    /// <summary>The privacy shield reads the social and market source topics.</summary>
    private static readonly int Total = TestConfig.CatalogPartitions().Where(t => t.Key.StartsWith("source.", StringComparison.Ordinal)).Sum(t => t.Value);

    /// <summary>
    /// The partitions the process owns now: its "assigned" and "revoked" lines replayed in order (cooperative-sticky
    /// rebalancing hands out and takes back partitions incrementally).
    /// </summary>
    private static HashSet<string> Owned(PipelineProcess p)
    {
        var owned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in p.Stdout.ToArray().Select(l => Assignment().Match(l)).Where(m => m.Success))
        {
            var parts = m.Groups[2].Value.Split(", ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (m.Groups[1].Value == "assigned")
            {
                owned.UnionWith(parts);
            }
            else
            {
                owned.ExceptWith(parts);
            }
        }

        return owned;
    }

    private static long LastOut(PipelineProcess p) =>
        p.Stdout.Select(l => PrivacyOut().Match(l)).Where(m => m.Success).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Last();

    private static bool CaughtUp(string bootstrap, string group, string topic)
    {
        var partitions = TestConfig.CatalogPartitions()[topic];
        using var c = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = group }).Build();
        var tps = Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)).ToList();
        var committed = c.Committed(tps, TimeSpan.FromSeconds(5));
        return committed.All(tpo => tpo.Offset.Value >= c.QueryWatermarkOffsets(tpo.TopicPartition, TimeSpan.FromSeconds(5)).High.Value);
    }
}
