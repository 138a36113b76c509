using System.Diagnostics;
using System.Text.RegularExpressions;
using MillionX.Pipeline.DeadLetters;
using Xunit.Abstractions;
using static MillionX.Pipeline.Tests.Reliability.ReliabilitySupport;

namespace MillionX.Pipeline.Tests.Reliability;

/// <summary>
/// The broker in its own process; mixed posts, orders and weather (with duplicates and invalid records) ingested while the
/// whole pipeline is killed with SIGKILL at seeded random moments and restarted. At the end the warehouse and the vector
/// store hold exactly the unique valid records, and the dead-letter topics exactly the invalid ones.
/// (Integration/CrashSafetyTests covers the orders-only case with kills mid-batch.)
/// </summary>
/// <remarks>Alone after the parallel tests: its four processes would otherwise crowd other tests' timing on two cores.</remarks>
[Collection(SerialReliabilityCollection.Name)]
public sealed partial class MixedCrashSafetyTests(ITestOutputHelper output)
{
    // Sized by the slow stages: posts by the stand-in model (~80/s idle), orders by the enricher, which commits its
    // DuckDB catalogue once per order (~50-90/s here). Weather only meets the validation gate and the warehouse, so it
    // carries the volume.
    private const int Posts = 1_500;
    private const int Orders = 1_600;
    private const int Weather = 17_000;
    private const int Kills = 3;

    /// <summary>Fixed by default for a deterministic suite; set MILLIONX_CRASH_SEED to try other kill moments and data.</summary>
    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("MILLIONX_CRASH_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 6_2026;

    private static readonly string[] Texts =
    [
        "Eid er notun shari collection, Dhaka delivery free", "Leather juta 20% off shudhu ajke", "Ladies bag er dam koto?",
        "Boishakh offer cholche, inbox korun", "Cotton panjabi stock e ache", "Smart watch er warranty ache?",
    ];

    private static readonly string[] Cities = ["Dhaka", "Chittagong", "Sylhet", "Khulna", "Rajshahi"];

    /// <summary>A progress line of a process whose stages consume (after a kill, the group first waits out the dead member's session).</summary>
    [GeneratedRegex(@"progress .* in=[1-9]")]
    private static partial Regex Consuming();

    [Fact]
    public async Task Pipeline_KilledAtRandomMomentsWhileIngestingMixedRecords_SinksHoldExactlyUniqueValidAndDeadLettersExactlyInvalid()
    {
        var random = new Random(Seed);
        output.WriteLine($"crash seed {Seed} (MILLIONX_CRASH_SEED reproduces it)");
        var dir = Directory.CreateTempSubdirectory("mixed-crash-").FullName;
        var files = new Dictionary<string, List<(string Line, string? Key, bool Valid)>>(StringComparer.Ordinal)
        {
            ["tiktok"] = Build(random, Posts, PostLine, i => $"CP-{i}", invalidEvery: 37),
            ["shopify"] = Build(random, Orders / 2, i => OrderLine("shopify", i), i => $"shopify/CS-{i}", invalidEvery: 53),
            ["daraz"] = Build(random, Orders / 2, i => OrderLine("daraz", i), i => $"daraz/CS-{i}", invalidEvery: 59),
            ["weather"] = Build(random, Weather, WeatherLine, i => $"{Cities[i % Cities.Length]}/{i / Cities.Length}", invalidEvery: 31),
        };
        var total = files.Values.Sum(f => f.Count);
        Assert.True(total >= 20_000, $"{total} records");
        foreach (var (source, lines) in files)
        {
            await File.WriteAllLinesAsync(Path.Combine(dir, source + ".jsonl"), lines.Select(l => l.Line));
        }

        var started = await PipelineProcess.StartBrokerAsync(dir, TestConfig.BrokerClientEnvironment);
        using var broker = started.Broker;
        var address = started.Address;
        var duckdb = TestConfig.TempDuckDb();
        var env = PipelineProcess.ClientEnvironment(address, "mixed-");

        // The sources run in their own processes, concurrently with the pipeline that is being killed.
        var ingests = files.Keys.Select(source => new PipelineProcess(
            ["ingest", "--source", source, "--file", Path.Combine(dir, source + ".jsonl"), "--profile", "ingest"], env)).ToList();

        PipelineProcess.KilledSinkEnvironment(env, duckdb);
        env["Stages__context-enricher__MaxStaleness"] = "00:00:01";

        // A restarted member rejoins once the killed one's session has expired: shorter than the default 10 s, still
        // twice the heartbeat interval.
        env["Kafka__Consumer__session.timeout.ms"] = "6000";

        var topics = new[]
        {
            ("privacy-shield", Topics.SocialTiktok), ("privacy-shield", Topics.MarketShopify), ("privacy-shield", Topics.MarketDaraz),
            ("context-enricher", Topics.AnonymisedPosts), ("context-enricher", Topics.AnonymisedOrders), ("embedding-service", Topics.EnrichedPosts),
            ("warehouse-sink", Topics.AnonymisedOrders), ("warehouse-sink", Topics.Weather), ("dlq-monitor", Topics.DeadLettersSocial),
        };
        var partitions = TestConfig.CatalogPartitions();
        var ingested = false;
        bool AllCaughtUp() => ingested && topics.All(t => CaughtUp(address, "mixed-" + t.Item1, t.Item2, partitions[t.Item2]));

        for (var kill = 1; kill <= Kills; kill++)
        {
            var after = TimeSpan.FromMilliseconds(random.Next(500, 5_000));
            using var victim = new PipelineProcess([], env);
            Assert.True(await TestConfig.Eventually(() => victim.Stdout.Any(l => Consuming().IsMatch(l)), TimeSpan.FromSeconds(90)), victim.AllOutput);
            var running = Stopwatch.StartNew();
            Assert.True(await TestConfig.Eventually(() => victim.HasExited, after) is false, victim.AllOutput);
            victim.Signal("KILL");
            Assert.True(victim.WaitForExit(TimeSpan.FromSeconds(10)));
            output.WriteLine($"kill {kill}: SIGKILL {running.Elapsed.TotalSeconds:0.0} s after the stages consumed (drawn {after.TotalSeconds:0.0} s); "
                + $"last progress: {victim.Stdout.LastOrDefault(l => l.Contains("progress", StringComparison.Ordinal))}");
            Assert.False(AllCaughtUp(), $"the pipeline had finished before kill {kill}; the kill proved nothing");
        }

        foreach (var ingest in ingests)
        {
            Assert.True(ingest.WaitForExit(TimeSpan.FromSeconds(120)), ingest.AllOutput);
            Assert.True(ingest.ExitCode == 0, ingest.AllOutput);
            ingest.Dispose();
        }

        ingested = true;

        using (var survivor = new PipelineProcess([], env))
        {
            // Its host must have started before it is stopped: when the killed processes had already finished every
            // record, the groups are caught up at once, and a SIGINT before the host handles it ends the process with 130
            // (seen once in CI). A stage logs "consuming ... as group" once the host has started its stages.
            Assert.True(await TestConfig.Eventually(() => survivor.Stdout.Any(l => l.Contains(" consuming ", StringComparison.Ordinal) && l.Contains(" as group ", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(90)), survivor.AllOutput);
            Assert.True(await TestConfig.Eventually(AllCaughtUp, TimeSpan.FromSeconds(240)), survivor.AllOutput);
            survivor.Signal("INT");
            Assert.True(survivor.WaitForExit(TimeSpan.FromSeconds(15)));
            Assert.Equal(0, survivor.ExitCode);
        }

        var validPosts = Unique(files["tiktok"]);
        var validOrders = Unique(files["shopify"]) + Unique(files["daraz"]);
        var validWeather = Unique(files["weather"]);
        output.WriteLine($"{total} records: {validPosts} unique valid posts, {validOrders} orders, {validWeather} weather; "
            + $"{files.Values.Sum(f => f.Count(l => !l.Valid))} invalid, {files.Values.Sum(f => f.Count(l => l.Valid)) - validPosts - validOrders - validWeather} duplicates");
        Assert.Equal(validOrders, DuckDbQuery.Scalar(duckdb, "select count(*) from ORDERS"));
        Assert.Equal(validOrders, DuckDbQuery.Scalar(duckdb, "select count(distinct (PLATFORM, ORDER_ID, PRODUCT_ID)) from ORDERS"));
        Assert.Equal(validOrders, DuckDbQuery.Scalar(duckdb, "select count(*) from PRICE_HISTORY"));
        Assert.Equal(
            files["shopify"].Concat(files["daraz"]).Where(l => l.Valid).DistinctBy(l => l.Key).Sum(l => Price(l.Key!)),
            DuckDbQuery.Scalar(duckdb, "select cast(sum(PRICE) as bigint) from ORDERS"));
        Assert.Equal(validWeather, DuckDbQuery.Scalar(duckdb, "select count(*) from WEATHER_LOGS"));
        Assert.Equal(validPosts, DuckDbQuery.Scalar(duckdb, "select count(*) from POST_VECTORS"));
        Assert.Equal(validPosts, DuckDbQuery.Scalar(duckdb, "select count(distinct POST_ID) from POST_VECTORS"));

        // Dead letters: exactly the invalid lines, each once, all from the gate (the sources were never killed; a
        // downstream stage dead-lettering a valid record, or twice after a restart, would show here).
        foreach (var (source, dlq) in new[] { ("tiktok", Topics.DeadLettersSocial), ("shopify", Topics.DeadLettersMarket), ("daraz", Topics.DeadLettersMarket), ("weather", Topics.DeadLettersWeather) })
        {
            var origins = TestBroker.ReadAll(address, dlq)
                .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.DeadLetterEnvelope)!)
                .Where(e => e.Origin!.StartsWith($"file:{source}.jsonl:", StringComparison.Ordinal))
                .Select(e => int.Parse(e.Origin!.Split(':')[^1], CultureInfo.InvariantCulture) - 1).Order().ToList();
            var invalid = files[source].Select((l, i) => (l, i)).Where(x => !x.l.Valid).Select(x => x.i).ToList();
            Assert.Equal(invalid, origins);
        }

        Assert.All(new[] { Topics.DeadLettersSocial, Topics.DeadLettersMarket, Topics.DeadLettersWeather }.SelectMany(t => TestBroker.ReadAll(address, t)),
            m => Assert.Equal("ingest", Encoding.UTF8.GetString(m.Message.Headers.GetLastBytes(DeadLetterHeaders.Stage))));
        broker.Signal("INT");
        Assert.True(broker.WaitForExit(TimeSpan.FromSeconds(10)));
        Directory.Delete(dir, true);
    }

    /// <summary>
    /// n records of one source; every <paramref name="invalidEvery"/>-th line broken, and about one in twenty a verbatim
    /// repeat of an earlier valid line placed further on, so duplicates arrive out of order.
    /// </summary>
    private static List<(string Line, string? Key, bool Valid)> Build(Random random, int n, Func<int, string> line, Func<int, string> key, int invalidEvery)
    {
        var lines = new List<(string, string?, bool)>();
        for (var i = 0; i < n; i++)
        {
            if (i % invalidEvery == invalidEvery - 1)
            {
                var good = line(i);
                lines.Add((random.Next(3) switch
                {
                    0 => good[..(good.Length / 2)],
                    1 => good.Replace("\"timestamp\":\"2026-", "\"timestamp\":\"2999-", StringComparison.Ordinal),
                    _ => good.Replace("{", "{\"extra\":1,\"extra\":2,", StringComparison.Ordinal),
                }, null, false));
                continue;
            }

            lines.Add((line(i), key(i), true));
            if (random.Next(20) == 0)
            {
                lines.Insert(random.Next(lines.Count / 2, lines.Count + 1), (line(i), key(i), true));
            }
        }

        return lines;
    }

    private static long Unique(List<(string Line, string? Key, bool Valid)> lines) => lines.Where(l => l.Valid).Select(l => l.Key).Distinct().Count();

    private static long Price(string key) => 1000 + (int.Parse(key.Split('-')[^1], CultureInfo.InvariantCulture) % 500);

    private static string PostLine(int i) =>
        $"{{\"platform\":\"tiktok\",\"post_id\":\"CP-{i}\",\"author_username\":\"user_{i % 97}\",\"content\":{JsonSerializer.Serialize($"{Texts[i % Texts.Length]} #{i}")},"
        + $"\"engagement_count\":{i * 7},\"timestamp\":\"2026-11-20T10:{i % 60:D2}:00Z\",\"hashtags\":[\"#eid\"],\"product_mentions\":[]}}";

    private static string OrderLine(string platform, int i) =>
        $"{{\"platform\":\"{platform}\",\"order_id\":\"CS-{i}\",\"merchant_id\":\"M-1\",\"product_id\":\"P-{i % 13}\",\"product_name\":\"Cotton Panjabi\","
        + $"\"quantity\":1,\"price\":{1000 + (i % 500)},\"order_status\":\"paid\",\"customer_phone\":\"01712{i:D6}\",\"timestamp\":\"2026-11-20T10:00:00Z\"}}";

    private static string WeatherLine(int i) =>
        $"{{\"city\":\"{Cities[i % Cities.Length]}\",\"temperature\":{20 + (i % 15)}.5,\"condition\":\"Clear\",\"humidity\":{40 + (i % 50)},\"wind_speed\":3.5,"
        + $"\"timestamp\":\"{WeatherStart.AddMinutes(i / Cities.Length):yyyy-MM-ddTHH:mm:ss}Z\"}}";

    private static readonly DateTime WeatherStart = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
}
