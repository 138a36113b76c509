using System.Diagnostics;

namespace MillionX.Pipeline.Tests.Deploy;

/// <summary>
/// deploy/prometheus and deploy/alertmanager through the real tools, from Debian's packages: promtool checks the
/// rules and the Prometheus configuration and runs the rule unit tests (alerts.test.yml); amtool checks the
/// Alertmanager configuration and shows where each severity is routed.
/// </summary>
public sealed class PrometheusRuleTests
{
    private static string Promtool => DebianPackages.Require("/usr/bin/promtool", "prometheus");

    private static string Amtool => DebianPackages.Require("/usr/bin/amtool", "prometheus-alertmanager");

    internal static (int ExitCode, string Output) Run(string binary, params string[] args)
    {
        var psi = new ProcessStartInfo(binary) { WorkingDirectory = RepoFiles.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(120_000), $"{binary} did not finish in 120 s");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void Rules_PassPromtoolCheck()
    {
        var (exit, output) = Run(Promtool, "check", "rules", "deploy/prometheus/alerts.yml");

        Assert.True(exit == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_UnitTests_Pass()
    {
        // Among them: the compose sample source's 1 % invalid share stays under the DLQ alert, offline partitions are
        // found from missing leaders, the SLO's fast burn pages, and the estimate only speaks while metering is stale.
        var (exit, output) = Run(Promtool, "test", "rules", "deploy/prometheus/alerts.test.yml");

        Assert.True(exit == 0, output);
    }

    [Fact]
    public void Rules_UnitTests_CanFail()
    {
        // The same tests against rules with the DLQ threshold lowered must fail: the runner is really evaluating.
        var dir = Directory.CreateTempSubdirectory("millionx-rules-");
        try
        {
            var rules = RepoFiles.Read("deploy/prometheus/alerts.yml");
            Assert.Contains("> 0.02", rules, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(dir.FullName, "alerts.yml"), rules.Replace("> 0.02", "> 0.005", StringComparison.Ordinal));
            File.Copy(RepoFiles.PathOf("deploy/prometheus/alerts.test.yml"), Path.Combine(dir.FullName, "alerts.test.yml"));

            var (exit, output) = Run(Promtool, "test", "rules", Path.Combine(dir.FullName, "alerts.test.yml"));

            Assert.NotEqual(0, exit);
            Assert.Contains("MillionxDeadLetterRateHigh", output, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void PrometheusConfig_PassesPromtoolAndSendsAlertsToAlertmanager()
    {
        var (exit, output) = Run(Promtool, "check", "config", "--syntax-only", "deploy/prometheus/prometheus.yml");
        Assert.True(exit == 0, output);

        // Prometheus reaches the compose service alertmanager on its port, and scrapes the Kafka exporter.
        var prometheus = RepoFiles.Yaml(RepoFiles.Read("deploy/prometheus/prometheus.yml"));
        var target = Assert.Single(Assert.Single(prometheus.Map("alerting").List("alertmanagers")).List("static_configs")).List("targets").Cast<string>().Single();
        var services = ComposeTests.Resolved().Map("services");
        Assert.Equal("alertmanager", target.Split(':')[0]);
        Assert.True(services.ContainsKey("alertmanager"));
        Assert.Equal("9093", target.Split(':')[1]);

        var exporterJob = prometheus.List("scrape_configs").Single(j => j.Str("job_name") == "kafka-exporter");
        var exporter = exporterJob.List("static_configs").Single().List("targets").Cast<string>().Single();
        Assert.True(services.ContainsKey(exporter.Split(':')[0]), $"no compose service {exporter}");
        Assert.Contains("--kafka.server=kafka:9092", services.Map("kafka-exporter").List("command").Cast<string>());
    }

    [Fact]
    public void Alertmanager_PassesAmtoolCheck()
    {
        var (exit, output) = Run(Amtool, "check-config", "deploy/alertmanager/alertmanager.yml");

        Assert.True(exit == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Alertmanager_AReceiverWithoutItsKey_FailsAmtoolCheck()
    {
        // amtool really validates: the PagerDuty receiver without its key file is rejected.
        var dir = Directory.CreateTempSubdirectory("millionx-am-");
        try
        {
            var config = RepoFiles.Read("deploy/alertmanager/alertmanager.yml");
            var broken = Path.Combine(dir.FullName, "alertmanager.yml");
            File.WriteAllText(broken, config.Replace("routing_key_file:", "client:", StringComparison.Ordinal));

            var (exit, _) = Run(Amtool, "check-config", broken);

            Assert.NotEqual(0, exit);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("critical", "pagerduty")]
    [InlineData("warning", "opsgenie")]
    [InlineData("none", "opsgenie")]
    public void Alertmanager_RoutesBySeverity(string severity, string receiver)
    {
        var (exit, output) = Run(Amtool, "config", "routes", "test", "--config.file=deploy/alertmanager/alertmanager.yml",
            $"severity={severity}", "alertname=MillionxConsumerLagHigh", "stage=privacy-shield");

        Assert.True(exit == 0, output);
        Assert.Equal(receiver, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => !l.StartsWith("Warning", StringComparison.Ordinal)).Trim());
    }

    [Fact]
    public void Alertmanager_KeysComeFromFilesAndCriticalInhibitsWarningOfTheSameAlertAndStage()
    {
        var am = RepoFiles.Yaml(RepoFiles.Read("deploy/alertmanager/alertmanager.yml"));
        var receivers = am.List("receivers").ToDictionary(r => r.Str("name")!);
        var pagerDuty = Assert.Single(receivers["pagerduty"].List("pagerduty_configs"));
        var opsGenie = Assert.Single(receivers["opsgenie"].List("opsgenie_configs"));
        Assert.StartsWith("/etc/alertmanager/secrets/", pagerDuty.Str("routing_key_file"), StringComparison.Ordinal);
        Assert.StartsWith("/etc/alertmanager/secrets/", opsGenie.Str("api_key_file"), StringComparison.Ordinal);
        Assert.Null(pagerDuty.Str("routing_key"));
        Assert.Null(opsGenie.Str("api_key"));

        var inhibit = am.List("inhibit_rules").First();
        Assert.Equal(["severity = \"critical\""], inhibit.List("source_matchers").Cast<string>());
        Assert.Equal(["severity = \"warning\""], inhibit.List("target_matchers").Cast<string>());
        Assert.Equal(["alertname", "stage"], inhibit.List("equal").Cast<string>());

        // compose mounts the config where the command reads it and the key files where the receivers read them.
        var service = ComposeTests.Resolved().Map("services").Map("alertmanager");
        var configArg = service.List("command").Cast<string>().Single(a => a.StartsWith("--config.file=", StringComparison.Ordinal))["--config.file=".Length..];
        var volumes = service.List("volumes").Select(v => v is Dictionary<string, object?> d ? (d.Str("source")!, d.Str("target")!) : (((string)v!).Split(':')[0], ((string)v!).Split(':')[1])).ToList();
        Assert.Contains(volumes, v => v.Item2 == Path.GetDirectoryName(configArg) && Path.GetFullPath(v.Item1) == Path.GetFullPath(RepoFiles.PathOf("deploy/alertmanager")));
        Assert.Contains(volumes, v => v.Item2 == "/etc/alertmanager/secrets" && Path.GetFullPath(v.Item1) == Path.GetFullPath(RepoFiles.PathOf("secrets/alertmanager")));
    }

    [Fact]
    public void ComposeSampleSource_InvalidShareIsBelowTheDeadLetterAlertsThreshold()
    {
        var share = double.Parse(ComposeTests.Resolved().Map("services").Map("pipeline-sample-source").Map("environment").Str("Stages__sample-source__InvalidShare")!, CultureInfo.InvariantCulture);
        var rules = RepoFiles.Read("deploy/prometheus/alerts.yml");
        var threshold = double.Parse(System.Text.RegularExpressions.Regex.Match(rules, @"millionx_records_in_total\[10m\]\)\)\s*>\s*([0-9.]+)").Groups[1].Value, CultureInfo.InvariantCulture);

        Assert.True(share < threshold, $"compose's sample source dead-letters {share:P0}, the DLQ alert fires above {threshold:P0}");
    }
}
