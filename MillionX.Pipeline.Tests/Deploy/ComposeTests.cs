using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MillionX.Pipeline.Tests.Deploy;

/// <summary>
/// compose.yaml as Docker Compose resolves it (`docker-compose config`, every profile on; no engine needed), and
/// its raw text for what must stay out of it (secrets).
/// </summary>
public sealed partial class ComposeTests
{
    private static readonly Lazy<(int ExitCode, string Output, string Errors)> ResolvedRun = new(() =>
        DockerCompose("--profile", "sources", "--profile", "connect", "--profile", "dr", "config"));

    public static Dictionary<string, object?> Resolved()
    {
        var (exit, output, errors) = ResolvedRun.Value;
        Assert.True(exit == 0, $"docker-compose config failed: {errors}");
        return RepoFiles.Yaml(output);
    }

    private static Dictionary<string, object?> Services() => Resolved().Map("services");

    /// <summary>Services running the pipeline image with a role, and the stages each selects.</summary>
    private static Dictionary<string, IReadOnlyList<string>> PipelineRoles() =>
        Services().Where(s => s.Value.MapOrNull("environment")?.ContainsKey("MILLIONX_ROLE") == true)
            .ToDictionary(s => s.Key, s => RepoFiles.StagesOfRole(s.Value.Map("environment").Str("MILLIONX_ROLE")!));

    private static (int, string, string) DockerCompose(params string[] args)
    {
        var binary = DebianPackages.Require("/usr/bin/docker-compose", "docker-compose");
        var psi = new ProcessStartInfo(binary) { WorkingDirectory = RepoFiles.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add("compose.yaml");
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        // Resolve as on a machine with no .env values set: what the file itself says.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MILLIONX_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), "docker-compose did not finish in 60 s");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Config_IsValid()
    {
        var (exit, _, errors) = DockerCompose("config", "-q");
        Assert.True(exit == 0, errors);
    }

    [Fact]
    public void Roles_EveryStreamingRoleAndSourceHasAService()
    {
        var roles = PipelineRoles();
        foreach (var stage in RepoFiles.StreamingStages.Concat(RepoFiles.LiveSourceStages))
        {
            Assert.Contains(roles, r => r.Value.Contains(stage));
        }

        // One image for every role, the scrapers included: the Dockerfile's default target, which has Chromium.
        foreach (var service in roles.Keys)
        {
            var build = Services()[service].MapOrNull("build");
            Assert.Null(build?.Str("target"));
            Assert.Equal("millionx/pipeline:local", Services()[service].Str("image"));
        }
    }

    [Fact]
    public void Roles_WaitForTopicsInitAndDoNotProvisionThemselves()
    {
        var init = Services().Map("topics-init");
        Assert.Equal(["topics", "create"], init.List("command").Cast<string>());
        Assert.Equal("no", init.Str("restart"));

        foreach (var service in PipelineRoles().Keys)
        {
            Assert.Equal("service_completed_successfully", Services()[service].Map("depends_on").Map("topics-init").Str("condition"));
            Assert.Equal("false", Services()[service].Map("environment").Str("Kafka__Provisioning__Enabled"));
        }

        var kafka = Services().Map("kafka").Map("environment");
        Assert.Equal("false", kafka.Str("KAFKA_AUTO_CREATE_TOPICS_ENABLE"));
        Assert.Contains("controller", kafka.Str("KAFKA_PROCESS_ROLES")!, StringComparison.Ordinal); // KRaft
    }

    [Fact]
    public void Services_TheStackHasItsStoresAndObservability()
    {
        foreach (var name in new[] { "kafka", "kafka-ui", "weaviate", "redis", "prometheus", "grafana", "kafka-connect", "alertmanager", "kafka-exporter", "kafka-standby", "mirror-maker" })
        {
            Assert.True(Services().ContainsKey(name), $"no {name} service");
        }

        Assert.Equal(["connect"], Services().Map("kafka-connect").List("profiles").Cast<string>());
    }

    [Fact]
    public void Replicas_ScaledRolesPublishNoHostPortAndStayWithinPartitions()
    {
        var scaled = Services().Where(s => s.Value.MapOrNull("deploy")?.Str("replicas") is { } r && int.Parse(r, System.Globalization.CultureInfo.InvariantCulture) > 1).ToList();
        Assert.NotEmpty(scaled);
        Assert.All(scaled, s => Assert.Empty(s.Value.List("ports")));
        Assert.Contains(scaled, s => s.Key == "pipeline-embedding-service");
    }

    [Fact]
    public void Prometheus_ScrapesEveryPipelineServiceAndLoadsTheAlertRules()
    {
        var prometheus = RepoFiles.Yaml(RepoFiles.Read("deploy/prometheus/prometheus.yml"));
        var job = prometheus.List("scrape_configs").Single(j => j.Str("job_name") == "millionx-pipeline");
        var sd = job.List("dns_sd_configs").Single();
        var port = new Uri(DockerfileTests.StageEnv("runtime")["Observability__Http__Urls"]).Port;
        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), sd.Str("port"));
        Assert.Equal(PipelineRoles().Keys.Order(StringComparer.Ordinal), sd.List("names").Cast<string>().Order(StringComparer.Ordinal));

        // The rule file Prometheus loads is the repo's alerts.yml, through the compose mount.
        var mounts = Mounts("prometheus");
        var rules = Assert.Single(prometheus.List("rule_files").Cast<string>());
        var (source, target) = mounts.Single(m => rules.StartsWith(m.Target + "/", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(source, rules[(target.Length + 1)..])), $"{rules} is not in {source}");
        Assert.Equal(Path.GetFullPath(RepoFiles.PathOf("deploy/prometheus")), Path.GetFullPath(source));
    }

    [Fact]
    public void Grafana_MountsTheProvisioningAndDashboards()
    {
        var mounts = Mounts("grafana");
        Assert.Contains(mounts, m => m.Target == "/etc/grafana/provisioning" && Path.GetFullPath(m.Source) == Path.GetFullPath(RepoFiles.PathOf("deploy/grafana/provisioning")));
        Assert.Contains(mounts, m => m.Target == "/var/lib/grafana/dashboards" && Path.GetFullPath(m.Source) == Path.GetFullPath(RepoFiles.PathOf("deploy/grafana/dashboards")));
        var home = Services().Map("grafana").Map("environment").Str("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")!;
        Assert.True(File.Exists(RepoFiles.PathOf("deploy/grafana/dashboards/" + Path.GetFileName(home))));
    }

    [Fact]
    public void Secrets_AreOnlyInterpolatedFromTheEnvironmentWithEmptyDefaults()
    {
        var raw = RepoFiles.Yaml(RepoFiles.Read("compose.yaml"));
        var secrets = new List<(string Name, string Value)>();
        Collect(raw, secrets);

        Assert.Contains(secrets, s => s.Name == "Privacy__HashKey");
        Assert.All(secrets, s => Assert.Matches(Interpolation(), s.Value));
    }

    private static void Collect(object? node, List<(string, string)> found)
    {
        switch (node)
        {
            case Dictionary<string, object?> map:
                foreach (var (key, value) in map)
                {
                    if (value is string s && RepoFiles.LooksSecret(key))
                    {
                        found.Add((key, s));
                    }

                    Collect(value, found);
                }

                break;
            case List<object?> list:
                list.ForEach(i => Collect(i, found));
                break;
        }
    }

    private static List<(string Source, string Target)> Mounts(string service) =>
        Services().Map(service).List("volumes").Select(v => v switch
        {
            string s => (s.Split(':')[0], s.Split(':')[1]),
            Dictionary<string, object?> d => (d.Str("source")!, d.Str("target")!),
            _ => throw new InvalidOperationException("volume"),
        }).ToList();

    [GeneratedRegex(@"^\$\{[A-Z][A-Z0-9_]*(:-)?\}$")]
    private static partial Regex Interpolation();
}
