using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using MillionX.Pipeline.Stages.SocialScrapers;

namespace MillionX.Pipeline.Tests.Deploy;

/// <summary>deploy/k8s, parsed: what each workload runs, how it is probed, and where its secrets come from.</summary>
public sealed partial class KubernetesManifestTests
{
    internal static List<Dictionary<string, object?>> Documents() =>
        Directory.GetFiles(RepoFiles.PathOf("deploy/k8s"), "*.yaml")
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(f => RepoFiles.YamlDocuments(File.ReadAllText(f)))
            .Select(d => Assert.IsType<Dictionary<string, object?>>(d)).ToList();

    private static IEnumerable<Dictionary<string, object?>> OfKind(string kind) => Documents().Where(d => d.Str("kind") == kind);

    /// <summary>The pipeline's own workloads of a kind (its images), not the stores' or monitoring's.</summary>
    private static IEnumerable<Dictionary<string, object?>> Pipeline(string kind) => OfKind(kind).Where(IsPipeline);

    private static bool IsPipeline(Dictionary<string, object?> workload) =>
        workload.Str("kind") is "Deployment" or "CronJob" or "Job"
        && PodSpec(workload).List("containers").Any(c => c.Str("image")?.StartsWith("millionx/", StringComparison.Ordinal) == true);

    private static Dictionary<string, object?> PodSpec(Dictionary<string, object?> workload) => workload.Str("kind") switch
    {
        "Deployment" or "Job" => workload.Map("spec").Map("template").Map("spec"),
        "CronJob" => workload.Map("spec").Map("jobTemplate").Map("spec").Map("template").Map("spec"),
        var k => throw new InvalidOperationException($"no pod spec in {k}"),
    };

    private static IEnumerable<Dictionary<string, object?>> Workloads() => Documents().Where(IsPipeline);

    private static IEnumerable<Dictionary<string, object?>> Containers(Dictionary<string, object?> workload, bool init = false)
    {
        var pod = PodSpec(workload);
        var containers = pod.List("containers").Cast<Dictionary<string, object?>>();
        return init ? containers.Concat(pod.List("initContainers").Cast<Dictionary<string, object?>>()) : containers;
    }

    /// <summary>The role a pipeline container runs: MILLIONX_ROLE, or --role in its args.</summary>
    private static string? Role(Dictionary<string, object?> container)
    {
        var env = container.List("env").Cast<Dictionary<string, object?>>().FirstOrDefault(e => e.Str("name") == "MILLIONX_ROLE")?.Str("value");
        var args = container.List("args").Cast<string>().ToList();
        var i = args.IndexOf("--role");
        return i >= 0 && i + 1 < args.Count ? args[i + 1] : env;
    }

    internal static Dictionary<string, string> ConfigMap() =>
        OfKind("ConfigMap").Single(c => c.Map("metadata").Str("name") == "millionx-pipeline").Map("data")
            .ToDictionary(kv => kv.Key, kv => (string)kv.Value!, StringComparer.Ordinal);

    /// <summary>The distinct probe paths of every workload (the observability test GETs them on a real host).</summary>
    public static IReadOnlyList<string> ProbePaths() =>
        Workloads().SelectMany(w => Containers(w))
            .SelectMany(c => new[] { c.MapOrNull("livenessProbe"), c.MapOrNull("readinessProbe") })
            .OfType<Dictionary<string, object?>>()
            .Select(p => p.Map("httpGet").Str("path")!).Distinct().ToList();

    [Fact]
    public void Deployments_EveryStreamingRole_HasADeploymentThatSelectsIt()
    {
        var byDeployment = Pipeline("Deployment").ToDictionary(
            d => d.Map("metadata").Str("name")!,
            d => RepoFiles.StagesOfRole(Role(Containers(d).Single())!));

        foreach (var stage in RepoFiles.StreamingStages)
        {
            Assert.Contains(byDeployment, d => d.Value.Contains(stage));
        }

        // One role per Deployment: each scales on its own consumer group.
        Assert.All(byDeployment, d => Assert.Single(d.Value));
        Assert.All(Pipeline("Deployment"), d => Assert.True(int.Parse(d.Map("spec").Str("replicas")!, System.Globalization.CultureInfo.InvariantCulture) >= 1));
    }

    [Fact]
    public void CronJobs_EverySourceRunsOnceFromACronJob()
    {
        var cronJobs = Pipeline("CronJob").ToList();
        foreach (var stage in RepoFiles.LiveSourceStages)
        {
            Assert.Contains(cronJobs, c => RepoFiles.StagesOfRole(Role(Containers(c).Single())!).Contains(stage));
        }

        Assert.All(cronJobs, c =>
        {
            Assert.Contains("--once", Containers(c).Single().List("args").Cast<string>());
            Assert.Equal("Forbid", c.Map("spec").Str("concurrencyPolicy"));
            Assert.All(RepoFiles.StagesOfRole(Role(Containers(c).Single())!), s => Assert.Contains(s, RepoFiles.LiveSourceStages));
        });

        // Pods are disposable: the watermarks must outlive them.
        Assert.Equal("redis", ConfigMap()["Sources__Checkpoints__Store"]);
        Assert.NotEmpty(ConfigMap()["Sources__Checkpoints__RedisConnection"]);
    }

    [Fact]
    public void Workloads_AllRunTheOneImage_ScrapersIncluded()
    {
        var scrapers = Pipeline("CronJob").Where(c => RepoFiles.StagesOfRole(Role(Containers(c).Single())!).Any(s => s.EndsWith("-scraper", StringComparison.Ordinal))).ToList();
        Assert.NotEmpty(scrapers);
        var images = Workloads().SelectMany(w => Containers(w, init: true)).Select(c => c.Str("image")).ToHashSet();
        Assert.Equal(["millionx/pipeline:1.0.0"], images);
        Assert.DoesNotContain("pipeline-scrapers", RepoFiles.Read("deploy/k8s/kustomization.yaml"), StringComparison.Ordinal);

        // That image (the Dockerfile's default target) has Chromium where the code looks for it by default.
        Assert.Equal(new ScrapingOptions().ChromiumPath, DockerfileTests.StageEnv("runtime")["Scraping__ChromiumPath"]);
    }

    [Fact]
    public void CronJobs_Scrapers_TakeTheWholeProxyPoolFromASecret()
    {
        var scrapers = OfKind("CronJob").Single(c => c.Map("metadata").Str("name") == "scrapers");
        var container = Containers(scrapers).Single();

        // Every key of the Secret becomes a variable: Scraping__Proxies__0, __1, ... bind to the Scraping:Proxies list.
        var pool = Assert.Single(container.List("envFrom").Cast<Dictionary<string, object?>>(), e => e.MapOrNull("secretRef") is not null).Map("secretRef");
        Assert.Equal("millionx-scraping-proxies", pool.Str("name"));
        Assert.Equal("true", pool.Str("optional"));
        Assert.DoesNotContain(container.List("env").Cast<Dictionary<string, object?>>(), e => e.Str("name")!.StartsWith("Scraping__Proxies", StringComparison.Ordinal));
        var readme = RepoFiles.Read("deploy/k8s/README.md");
        Assert.Contains("create secret generic millionx-scraping-proxies", readme, StringComparison.Ordinal);
        Assert.Contains("--from-literal=Scraping__Proxies__1=", readme, StringComparison.Ordinal);

        // What the pod gets from such a Secret is what the scrapers read.
        var options = new ScrapingOptions();
        new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Scraping__Proxies__0".Replace("__", ":", StringComparison.Ordinal)] = "http://u:p@proxy-a.example:8000",
                ["Scraping__Proxies__1".Replace("__", ":", StringComparison.Ordinal)] = "socks5://proxy-b.example:1080",
            })
            .Build().GetSection(ScrapingOptions.Section).Bind(options);
        Assert.Equal(2, options.Proxies.Count);
    }

    [Fact]
    public void Probes_AreOnTheHealthPathAndThePortTheImageServes()
    {
        var imagePort = new Uri(DockerfileTests.StageEnv("runtime")["Observability__Http__Urls"]).Port;
        Assert.Equal(imagePort, new Uri(ConfigMap()["Observability__Http__Urls"]).Port);
        foreach (var workload in Pipeline("Deployment").Concat(Pipeline("CronJob")))
        {
            var c = Containers(workload).Single();
            var ports = c.List("ports").Cast<Dictionary<string, object?>>()
                .ToDictionary(p => p.Str("name") ?? p.Str("containerPort")!, p => int.Parse(p.Str("containerPort")!, System.Globalization.CultureInfo.InvariantCulture));
            var probes = workload.Str("kind") == "Deployment" ? new[] { "livenessProbe", "readinessProbe" } : ["livenessProbe"];
            foreach (var name in probes)
            {
                var get = c.Map(name).Map("httpGet");
                Assert.Equal("/health", get.Str("path"));
                var port = get.Str("port")!;
                Assert.Equal(imagePort, int.TryParse(port, out var n) ? n : ports[port]);
            }
        }
    }

    [Fact]
    public void Secrets_ComeFromSecretKeyRefsNamingRealOptions()
    {
        var secretRefs = 0;
        foreach (var workload in Workloads())
        {
            foreach (var c in Containers(workload, init: true))
            {
                foreach (var env in c.List("env").Cast<Dictionary<string, object?>>())
                {
                    var name = env.Str("name")!;
                    var secret = env.MapOrNull("valueFrom")?.MapOrNull("secretKeyRef");
                    if (secret is null)
                    {
                        Assert.False(RepoFiles.LooksSecret(name), $"{name} in {workload.Map("metadata").Str("name")} has a literal value; use a secretKeyRef");
                        continue;
                    }

                    secretRefs++;
                    Assert.True(IsOptionKey(name.Replace("__", ":", StringComparison.Ordinal)), $"{name} is no configuration key the code reads");
                    Assert.NotNull(secret.Str("name"));
                    Assert.NotNull(secret.Str("key"));
                }
            }
        }

        Assert.True(secretRefs > 0);
        Assert.DoesNotContain(Documents(), d => d.Str("kind") == "Secret");
        Assert.All(ConfigMap().Keys, k => Assert.False(RepoFiles.LooksSecret(k), $"{k} is a secret in the ConfigMap"));
    }

    [Fact]
    public void PipelinePods_AllHaveThePrivacyKeysFromTheSecret()
    {
        foreach (var workload in Pipeline("Deployment").Concat(Pipeline("CronJob")))
        {
            var env = Containers(workload).Single().List("env").Cast<Dictionary<string, object?>>().ToDictionary(e => e.Str("name")!);
            Assert.Equal("millionx-privacy", env["Privacy__HashKey"].Map("valueFrom").Map("secretKeyRef").Str("name"));
            Assert.Equal("millionx-privacy", env["Privacy__DeadLetterKey"].Map("valueFrom").Map("secretKeyRef").Str("name"));
        }
    }

    [Fact]
    public void Workloads_RunNonRootAndWaitForTheTopicCatalog()
    {
        Assert.Contains(Pipeline("Job"), j => Containers(j).Single().List("args").Cast<string>().SequenceEqual(["topics", "create"]));
        Assert.Equal("false", ConfigMap()["Kafka__Provisioning__Enabled"]);
        foreach (var workload in Pipeline("Deployment").Concat(Pipeline("CronJob")))
        {
            var pod = PodSpec(workload);
            Assert.Equal("true", pod.Map("securityContext").Str("runAsNonRoot"));
            Assert.Equal("1654", pod.Map("securityContext").Str("runAsUser"));
            Assert.Contains(pod.List("initContainers").Cast<Dictionary<string, object?>>(),
                i => i.List("args").Cast<string>().SequenceEqual(["topics", "verify"]));
        }
    }

    /// <summary>
    /// True when a configuration path binds to a property of an options class: a type with a <c>Section</c> constant
    /// that prefixes the path, then nested properties (list indexes allowed) down to the last segment.
    /// </summary>
    private static bool IsOptionKey(string path)
    {
        var sections = typeof(MillionX.Pipeline.Observability.PipelineMetrics).Assembly.GetTypes()
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
            .Select(x => (x.Type, Section: (string)x.Field!.GetRawConstantValue()!))
            .Where(x => path.StartsWith(x.Section + ":", StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(x => x.Section.Length);
        foreach (var (type, section) in sections)
        {
            var current = type;
            var ok = true;
            foreach (var segment in path[(section.Length + 1)..].Split(':'))
            {
                if (IndexSegment().IsMatch(segment) && current.IsGenericType && current.GetGenericTypeDefinition() == typeof(List<>))
                {
                    current = current.GetGenericArguments()[0];
                    continue;
                }

                var property = current.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
                if (property is null || !property.CanWrite)
                {
                    ok = false;
                    break;
                }

                current = property.PropertyType;
            }

            if (ok)
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex(@"^\d+$")]
    private static partial Regex IndexSegment();
}
