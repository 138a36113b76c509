using System.Reflection;
using System.Text.RegularExpressions;
using MillionX.Pipeline.Observability;
using Prometheus;
using Xunit.Abstractions;

namespace MillionX.Pipeline.Tests.Deploy;

/// <summary>
/// The Grafana dashboards and Prometheus alert rules in deploy/ name only metrics the code exports: every metric in
/// their PromQL is on a real /metrics scrape of a host running the local profile, or (labelled metrics of stages
/// that host does not run: scrapers, Snowflake, sources) among the metric definitions registered in prometheus-net
/// once the code that defines them has run. Besides the pipeline's own: series recorded by the rule files, Prometheus's
/// <c>up</c>, and the Kafka exporter's metrics (<see cref="KafkaExporterMetrics"/>) from a job Prometheus scrapes.
/// </summary>
public sealed partial class ObservabilityArtefactTests(ITestOutputHelper output)
{
    private static IEnumerable<string> DashboardFiles => Directory.GetFiles(RepoFiles.PathOf("deploy/grafana/dashboards"), "*.json");

    /// <summary>(where, PromQL) of every dashboard panel target and alert rule.</summary>
    private static List<(string Where, string Expr)> Expressions()
    {
        var result = new List<(string, string)>();
        foreach (var file in DashboardFiles)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var panel in Panels(doc.RootElement))
            {
                if (!panel.TryGetProperty("targets", out var targets))
                {
                    continue;
                }

                foreach (var target in targets.EnumerateArray())
                {
                    result.Add(($"{Path.GetFileName(file)}: {panel.GetProperty("title").GetString()}", target.GetProperty("expr").GetString()!));
                }
            }
        }

        foreach (var group in AlertRules())
        {
            result.Add(($"alerts.yml: {group.Alert}", group.Expr));
        }

        foreach (var (record, expr) in RecordingRules())
        {
            result.Add(($"alerts.yml: {record}", expr));
        }

        return result;
    }

    private static IEnumerable<JsonElement> Panels(JsonElement parent)
    {
        if (!parent.TryGetProperty("panels", out var panels))
        {
            yield break;
        }

        foreach (var p in panels.EnumerateArray())
        {
            yield return p;
            foreach (var nested in Panels(p))
            {
                yield return nested; // panels inside collapsed rows
            }
        }
    }

    private static List<(string Alert, string Expr, Dictionary<string, object?> Rule)> AlertRules()
    {
        var doc = RepoFiles.Yaml(RepoFiles.Read("deploy/prometheus/alerts.yml"));
        return doc.List("groups").SelectMany(g => g.List("rules")).Where(r => r.Str("alert") is not null)
            .Select(r => (r.Str("alert")!, r.Str("expr")!, (Dictionary<string, object?>)r!)).ToList();
    }

    /// <summary>(series name, PromQL) of every recording rule.</summary>
    private static List<(string Record, string Expr)> RecordingRules()
    {
        var doc = RepoFiles.Yaml(RepoFiles.Read("deploy/prometheus/alerts.yml"));
        return doc.List("groups").SelectMany(g => g.List("rules")).Where(r => r.Str("record") is not null)
            .Select(r => (r.Str("record")!, r.Str("expr")!)).ToList();
    }

    /// <summary>
    /// The metrics danielqsj/kafka_exporter exports (its README's metric tables; it cannot run here: no broker it can
    /// reach). Only names from this list, and only with a kafka-exporter job in prometheus.yml, count as exported.
    /// </summary>
    public static readonly IReadOnlySet<string> KafkaExporterMetrics = new HashSet<string>(StringComparer.Ordinal)
    {
        "kafka_brokers", "kafka_broker_info", "kafka_topic_partitions", "kafka_topic_partition_current_offset",
        "kafka_topic_partition_oldest_offset", "kafka_topic_partition_in_sync_replica", "kafka_topic_partition_leader",
        "kafka_topic_partition_leader_is_preferred", "kafka_topic_partition_replicas", "kafka_topic_partition_under_replicated_partition",
        "kafka_consumergroup_current_offset", "kafka_consumergroup_current_offset_sum", "kafka_consumergroup_lag",
        "kafka_consumergroup_lag_sum", "kafka_consumergroup_members",
    };

    /// <summary>Series that come from outside the pipeline's code, and which of them the configuration provides.</summary>
    private static bool ExternalSeries(string metric)
    {
        if (RecordingRules().Any(r => r.Record == metric) || metric == "up")
        {
            return true;
        }

        if (!KafkaExporterMetrics.Contains(metric))
        {
            return false;
        }

        var jobs = RepoFiles.Yaml(RepoFiles.Read("deploy/prometheus/prometheus.yml")).List("scrape_configs").Select(j => j.Str("job_name"));
        return jobs.Contains("kafka-exporter");
    }

    [Fact]
    public async Task DashboardsAndAlerts_EveryMetricTheyName_IsExportedByTheCode()
    {
        var expressions = Expressions();
        Assert.NotEmpty(expressions);
        var needed = expressions.SelectMany(e => PromQl.MetricNames(e.Expr).Select(m => (Metric: m, e.Where))).ToList();

        // 1. A real host with the local profile's stages, until records reached both sinks.
        using var broker = new TestBroker();
        var config = broker.Config()
            .WithHttpEndpoint()
            .With("Stages:sample-source:RatePerSecond", "100")
            .With("Stages:warehouse-sink:DuckDbMaxBatchAge", "00:00:00.500");
        using var host = RunCommand.Build(CommandLine.Parse(["--profile", "local"]), config);
        await host.StartAsync();
        string scrape;
        try
        {
            var metrics = host.Services.GetRequiredService<PipelineMetrics>();
            Assert.True(
                await TestConfig.Eventually(
                    () => metrics.Stage("embedding-service").Out > 0 && metrics.Stage("warehouse-sink").Out > 0 && metrics.Stage("sample-source").DeadLettered > 0,
                    TimeSpan.FromSeconds(60)),
                "the local profile did not deliver records to both sinks in 60 s");
            using var http = new HttpClient { BaseAddress = new Uri(Assert.Single(host.Services.GetRequiredService<HttpEndpoint>().Addresses)) };
            scrape = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));

            // The probes of the Kubernetes manifests hit what this endpoint serves.
            foreach (var path in KubernetesManifestTests.ProbePaths())
            {
                using var probe = await http.GetAsync(new Uri(path, UriKind.Relative));
                Assert.Equal(200, (int)probe.StatusCode);
            }
        }
        finally
        {
            await host.StopAsync();
        }

        var scraped = Families(scrape);

        // 2. The definitions: run the static initialisers that create the pipeline's collectors, then read the registry.
        var defined = await RegisteredFamilies();

        var missing = new List<string>();
        var fromDefinitionsOnly = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (metric, where) in needed)
        {
            if (Resolves(metric, scraped))
            {
                continue;
            }

            if (Resolves(metric, defined))
            {
                fromDefinitionsOnly.Add(metric);
                continue;
            }

            if (ExternalSeries(metric))
            {
                continue;
            }

            missing.Add($"{metric} ({where})");
        }

        Assert.True(missing.Count == 0, "Not exported by the code: " + string.Join("; ", missing.Distinct()));
        output.WriteLine($"{needed.Select(n => n.Metric).Distinct().Count()} metrics named; only in the definitions (no live series in the local profile): {string.Join(", ", fromDefinitionsOnly)}");

        // The scrape did the main work: the metrics of the stages that ran came from the live endpoint.
        Assert.Contains("millionx_embedding_latency_seconds", scraped.Keys);
        Assert.Contains("millionx_warehouse_rows_written_total", scraped.Keys);
        Assert.DoesNotContain("millionx_embedding_latency_seconds_bucket", fromDefinitionsOnly);
    }

    [Fact]
    public void AlertRules_HaveThePlansThresholds()
    {
        var rules = AlertRules().ToDictionary(r => r.Alert, r => r.Expr);

        Assert.Matches(@"millionx_dead_letters_total[\s\S]*/[\s\S]*millionx_records_in_total[\s\S]*>\s*0\.02\s*$", rules["MillionxDeadLetterRateHigh"]);
        Assert.Matches(@"millionx_consumer_lag[\s\S]*>\s*10000\s*$", rules["MillionxConsumerLagHigh"]);
        Assert.Matches(@"millionx_scraper_successes_total[\s\S]*<\s*0\.95\s*$", rules["MillionxScraperSuccessLow"]);
        Assert.Matches(@"histogram_quantile\(0\.95,[\s\S]*millionx_embedding_latency_seconds_bucket[\s\S]*>\s*0\.1\s*$", rules["MillionxEmbeddingP95High"]);
        Assert.Matches(@"millionx_snowflake_cost_usd_per_day[\s\S]*>\s*15\s*$", rules["MillionxSnowflakeCostHigh"]);
        Assert.Matches(@"millionx_snowflake_estimated_cost_usd_per_day[\s\S]*>\s*15\s*unless", rules["MillionxSnowflakeEstimatedCostHigh"]);
        Assert.Matches(@"kafka_consumergroup_lag\{consumergroup=~""connect-\.\+""\}[\s\S]*>\s*10000\s*$", rules["MillionxKafkaConnectLagHigh"]);
        Assert.Matches(@"millionx_scraper_proxy_failures_total[\s\S]*/[\s\S]*millionx_scraper_attempts_total[\s\S]*>\s*0\.10\s*$", rules["MillionxProxyFailureRateHigh"]);
        Assert.Matches(@"millionx_captcha_solves_total\{result=""solved""\}[\s\S]*/[\s\S]*millionx_captcha_solves_total[\s\S]*<\s*0\.90\s*$", rules["MillionxCaptchaSolveRateLow"]);
        Assert.Matches(@"millionx_end_to_end_latency_seconds_bucket[\s\S]*>\s*5\s*$", rules["MillionxEndToEndLatencyHigh"]);
        Assert.Matches(@"millionx_warehouse_batch_records_sum[\s\S]*/[\s\S]*millionx_warehouse_batch_records_count[\s\S]*<\s*5000", rules["MillionxWarehouseBatchSmall"]);
        Assert.Matches(@"histogram_quantile\(0\.99,[\s\S]*millionx_embedding_latency_seconds_bucket", rules["MillionxEmbeddingP99High"]);
        foreach (var stale in new[] { "MillionxWeatherStale", "MillionxScraperStale", "MillionxMarketSyncStale" })
        {
            Assert.Contains("millionx_source_last_success_timestamp_seconds", rules[stale], StringComparison.Ordinal);
        }

        // The SLO: 99.5 % leaves a 0.005 error budget, burnt at 14.4x / 6x (page) and 3x / 1x (ticket).
        Assert.Contains("14.4 * 0.005", rules["MillionxAvailabilityBudgetBurnFast"], StringComparison.Ordinal);
        Assert.Contains("6 * 0.005", rules["MillionxAvailabilityBudgetBurnFast"], StringComparison.Ordinal);
        Assert.Contains("3 * 0.005", rules["MillionxAvailabilityBudgetBurnSlow"], StringComparison.Ordinal);
        Assert.Contains(RecordingRules(), r => r.Record == "job:millionx_availability:ratio_rate30d");

        foreach (var broker in new[] { "KafkaBrokerDown", "KafkaUnderReplicatedPartitions", "KafkaOfflinePartitions", "KafkaExporterDown" })
        {
            Assert.True(rules.ContainsKey(broker), broker);
        }

        // Every alert routes: Alertmanager sends critical to PagerDuty and warning to OpsGenie.
        Assert.All(AlertRules(), r => Assert.NotNull(r.Rule.Str("for")));
        Assert.All(AlertRules(), r => Assert.Contains(r.Rule.Map("labels").Str("severity"), new[] { "critical", "warning" }));
    }

    [Fact]
    public void Dashboard_HasThePlansPanels()
    {
        var exprs = Expressions().Where(e => !e.Where.StartsWith("alerts.yml", StringComparison.Ordinal)).Select(e => e.Expr).ToList();

        foreach (var metric in new[]
                 {
                     "millionx_consumer_lag", "millionx_dead_letters_total", "millionx_scraper_successes_total", "millionx_embedding_latency_seconds_bucket",
                     "millionx_warehouse_rows_written_total", "millionx_vectors_written_total", "millionx_warehouse_batch_records_bucket",
                     "millionx_snowflake_estimated_cost_usd_per_day", "millionx_end_to_end_latency_seconds_bucket",
                 })
        {
            Assert.Contains(exprs, e => PromQl.MetricNames(e).Contains(metric));
        }

        // Grafana finds them where the provisioning and compose.yaml put them, through the provisioned data source uid.
        var provider = RepoFiles.Yaml(RepoFiles.Read("deploy/grafana/provisioning/dashboards/millionx.yml"));
        Assert.Equal("/var/lib/grafana/dashboards", provider.List("providers").Single().Map("options").Str("path"));
        var datasource = RepoFiles.Yaml(RepoFiles.Read("deploy/grafana/provisioning/datasources/prometheus.yml")).List("datasources").Single();
        foreach (var file in DashboardFiles)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            Assert.All(Panels(doc.RootElement).Where(p => p.TryGetProperty("targets", out _)),
                p => Assert.Equal(datasource.Str("uid"), p.GetProperty("datasource").GetProperty("uid").GetString()));
        }
    }

    /// <summary>Metric family name -> type, from Prometheus text exposition.</summary>
    private static Dictionary<string, string> Families(string exposition)
    {
        var families = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in TypeLine().Matches(exposition))
        {
            families[m.Groups[1].Value] = m.Groups[2].Value;
        }

        return families;
    }

    /// <summary>A PromQL series name is exported when its family is, or it is a histogram's _bucket/_sum/_count.</summary>
    private static bool Resolves(string metric, Dictionary<string, string> families)
    {
        if (families.ContainsKey(metric))
        {
            return true;
        }

        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (metric.EndsWith(suffix, StringComparison.Ordinal)
                && families.TryGetValue(metric[..^suffix.Length], out var type)
                && (type == "histogram" || (type == "summary" && suffix != "_bucket")))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Every collector the pipeline defines, from prometheus-net's default registry: reading each static collector
    /// field runs its type's initialiser, which registers the metric; families without observed label values export
    /// no samples, so each is given one child, then the registry is exported.
    /// </summary>
    private static async Task<Dictionary<string, string>> RegisteredFamilies()
    {
        var collectors = typeof(PipelineMetrics).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Where(f => typeof(Collector).IsAssignableFrom(f.FieldType) && !f.DeclaringType!.ContainsGenericParameters)
            .Select(f => (Collector)f.GetValue(null)!)
            .ToList();
        Assert.NotEmpty(collectors);
        foreach (var collector in collectors)
        {
            var labels = collector.LabelNames.Select(l => $"deploy-test-{l}").ToArray();
            switch (collector)
            {
                case Counter c when labels.Length > 0: c.WithLabels(labels).Inc(0); break;
                case Gauge g when labels.Length > 0: g.WithLabels(labels).IncTo(0); break;
                case Histogram h when labels.Length > 0: h.WithLabels(labels).Observe(0); break;
                case Summary s when labels.Length > 0: s.WithLabels(labels).Observe(0); break;
            }
        }

        using var stream = new MemoryStream();
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(stream);
        return Families(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    [GeneratedRegex(@"^# TYPE (\S+) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();
}
