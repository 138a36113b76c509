using System.Text.RegularExpressions;

namespace MillionX.Pipeline.Tests.Deploy;

/// <summary>
/// deploy/k8s beyond the pipeline's own workloads: the broker (Strimzi resources), Redis and Weaviate (StatefulSets),
/// Prometheus and Alertmanager, and deploy/k8s/dr (standby cluster, MirrorMaker 2); each wired to what the pipeline's
/// ConfigMap and the repository's monitoring configuration expect.
/// </summary>
public sealed class KubernetesOperationsTests
{
    private static List<Dictionary<string, object?>> Docs => KubernetesManifestTests.Documents();

    private static Dictionary<string, object?> Named(string kind, string name) =>
        Docs.Single(d => d.Str("kind") == kind && d.Map("metadata").Str("name") == name);

    private static List<Dictionary<string, object?>> DrDocuments() =>
        Directory.GetFiles(RepoFiles.PathOf("deploy/k8s/dr"), "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(f => RepoFiles.YamlDocuments(File.ReadAllText(f))).Cast<Dictionary<string, object?>>().ToList();

    private static Dictionary<string, object?> Container(Dictionary<string, object?> workload) =>
        Assert.Single(workload.Map("spec").Map("template").Map("spec").List("containers").Cast<Dictionary<string, object?>>());

    [Theory]
    [InlineData("deploy/k8s")]
    [InlineData("deploy/k8s/dr")]
    public void Kustomization_ListsEveryManifestFile(string dir)
    {
        var kustomization = RepoFiles.Yaml(RepoFiles.Read(dir + "/kustomization.yaml"));
        var files = Directory.GetFiles(RepoFiles.PathOf(dir), "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml");

        Assert.Equal(files.Order(StringComparer.Ordinal), kustomization.List("resources").Cast<string>().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Kafka_IsAStrimziClusterOnPersistentVolumesWhoseBootstrapIsThePipelines()
    {
        var kafka = Docs.Single(d => d.Str("kind") == "Kafka");
        var name = kafka.Map("metadata").Str("name")!;
        var pool = Docs.Single(d => d.Str("kind") == "KafkaNodePool");
        Assert.Equal(name, pool.Map("metadata").Map("labels").Str("strimzi.io/cluster"));
        Assert.Equal("3", pool.Map("spec").Str("replicas"));
        Assert.All(pool.Map("spec").Map("storage").List("volumes"), v => Assert.Equal("persistent-claim", v.Str("type")));

        // Strimzi names the bootstrap Service <cluster>-kafka-bootstrap; the pipeline pods connect there.
        var listener = kafka.Map("spec").Map("kafka").List("listeners").Single(l => l.Str("name") == "plain");
        Assert.Equal($"{name}-kafka-bootstrap.millionx.svc:{listener.Str("port")}", KubernetesManifestTests.ConfigMap()["Kafka__BootstrapServers"]);

        // One broker may fail without losing acknowledged writes; topics only from the catalog.
        var config = kafka.Map("spec").Map("kafka").Map("config");
        Assert.Equal("3", config.Str("default.replication.factor"));
        Assert.Equal("2", config.Str("min.insync.replicas"));
        Assert.Equal("false", config.Str("auto.create.topics.enable"));
        Assert.NotNull(kafka.Map("spec").MapOrNull("kafkaExporter"));
    }

    [Theory]
    [InlineData("redis", "Stages__context-enricher__RedisConnection")]
    [InlineData("redis", "Sources__Checkpoints__RedisConnection")]
    [InlineData("weaviate", "VectorStore__Weaviate__Url")]
    public void Stores_AreStatefulSetsWithVolumesBehindTheServiceThePipelineUses(string store, string configKey)
    {
        var set = Named("StatefulSet", store);
        Assert.NotEmpty(set.Map("spec").List("volumeClaimTemplates"));
        var claim = set.Map("spec").List("volumeClaimTemplates").Single().Map("metadata").Str("name");
        Assert.Contains(Container(set).List("volumeMounts"), m => m.Str("name") == claim);

        var address = KubernetesManifestTests.ConfigMap()[configKey];
        var uri = new Uri(address.Contains("://", StringComparison.Ordinal) ? address : "tcp://" + address);
        Assert.Equal($"{store}.millionx.svc", uri.Host);
        var service = Named("Service", store);
        Assert.Equal(store, service.Map("spec").Map("selector").Str("app.kubernetes.io/name"));
        Assert.Equal(store, set.Map("spec").Map("template").Map("metadata").Map("labels").Str("app.kubernetes.io/name"));
        Assert.Contains(service.Map("spec").List("ports"), p => p.Str("port") == uri.Port.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Weaviate_AcceptsTheKeyThePipelineSends()
    {
        var env = Container(Named("StatefulSet", "weaviate")).List("env").ToDictionary(e => e.Str("name")!);
        var allowed = env["AUTHENTICATION_APIKEY_ALLOWED_KEYS"].Map("valueFrom").Map("secretKeyRef");
        var pipelineKey = Docs.Where(d => d.Str("kind") == "Deployment")
            .SelectMany(d => d.Map("spec").Map("template").Map("spec").List("containers"))
            .SelectMany(c => c.List("env")).First(e => e.Str("name") == "VectorStore__Weaviate__ApiKey").Map("valueFrom").Map("secretKeyRef");

        Assert.Equal((pipelineKey.Str("name"), pipelineKey.Str("key")), (allowed.Str("name"), allowed.Str("key")));
        Assert.Equal("false", env["AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED"].Str("value"));
    }

    [Fact]
    public void Prometheus_ConfigUsesTheJobNamesTheRulesSelect()
    {
        // Structural only: Debian's promtool is built without Kubernetes service discovery ("field kubernetes_sd_configs
        // not found"), so it cannot check this file the way it checks compose's prometheus.yml.
        var text = Named("ConfigMap", "prometheus-config").Map("data").Str("prometheus.yml")!;

        // The same jobs as compose's prometheus.yml: the rules select up{job="millionx-pipeline"} and job="kafka-exporter".
        var k8s = RepoFiles.Yaml(text);
        var compose = RepoFiles.Yaml(RepoFiles.Read("deploy/prometheus/prometheus.yml"));
        var rules = RepoFiles.Read("deploy/prometheus/alerts.yml");
        foreach (var job in Regex.Matches(rules, "job=\"([^\"]+)\"").Select(m => m.Groups[1].Value).Distinct())
        {
            Assert.Contains(k8s.List("scrape_configs"), j => j.Str("job_name") == job);
            Assert.Contains(compose.List("scrape_configs"), j => j.Str("job_name") == job);
        }

        // The exporter job keeps the pods Strimzi labels <cluster>-kafka-exporter.
        var cluster = Docs.Single(d => d.Str("kind") == "Kafka").Map("metadata").Str("name");
        var keep = k8s.List("scrape_configs").Single(j => j.Str("job_name") == "kafka-exporter").List("relabel_configs").First();
        Assert.Equal($"{cluster}-kafka-exporter", keep.Str("regex"));

        // Rules: the ConfigMap created from deploy/prometheus/alerts.yml, mounted where rule_files points.
        var deployment = Named("Deployment", "prometheus");
        var rulesVolume = deployment.Map("spec").Map("template").Map("spec").List("volumes").Single(v => v.MapOrNull("configMap")?.Str("name") == "millionx-alert-rules").Str("name");
        var mount = Container(deployment).List("volumeMounts").Single(m => m.Str("name") == rulesVolume).Str("mountPath");
        Assert.Equal($"{mount}/alerts.yml", Assert.Single(k8s.List("rule_files").Cast<string>()));
        Assert.Equal("alertmanager:9093", k8s.Map("alerting").List("alertmanagers").Single().List("static_configs").Single().List("targets").Cast<string>().Single());
        Assert.Contains(Named("Service", "alertmanager").Map("spec").List("ports"), p => p.Str("port") == "9093");
    }

    [Fact]
    public void Alertmanager_ReadsTheRepositorysConfigAndItsKeysFromTheSecret()
    {
        var deployment = Named("Deployment", "alertmanager");
        var container = Container(deployment);
        var volumes = deployment.Map("spec").Map("template").Map("spec").List("volumes").ToDictionary(v => v.Str("name")!);
        var mounts = container.List("volumeMounts").ToDictionary(m => m.Str("mountPath")!, m => volumes[m.Str("name")!]);

        // --config.file is the file kubectl create configmap --from-file=deploy/alertmanager/alertmanager.yml makes.
        var configFile = container.List("args").Cast<string>().Single(a => a.StartsWith("--config.file=", StringComparison.Ordinal))["--config.file=".Length..];
        Assert.Equal("alertmanager.yml", Path.GetFileName(configFile));
        Assert.Equal("alertmanager-config", mounts[Path.GetDirectoryName(configFile)!].Map("configMap").Str("name"));

        // The receivers' key files are keys of the Secret, mounted at their directory.
        var am = RepoFiles.Yaml(RepoFiles.Read("deploy/alertmanager/alertmanager.yml"));
        var keyFiles = am.List("receivers").SelectMany(r => r.List("pagerduty_configs").Select(c => c.Str("routing_key_file")).Concat(r.List("opsgenie_configs").Select(c => c.Str("api_key_file")))).ToList();
        Assert.Equal(2, keyFiles.Count);
        foreach (var keyFile in keyFiles)
        {
            Assert.Equal("millionx-alertmanager", mounts[Path.GetDirectoryName(keyFile)!].Map("secret").Str("secretName"));
        }

        Assert.Contains("millionx-alertmanager", RepoFiles.Read("deploy/k8s/README.md"), StringComparison.Ordinal);
    }

    [Fact]
    public void DisasterRecovery_MirrorMakerCopiesThePrimaryToTheStandbyLikeCompose()
    {
        var dr = DrDocuments();
        var standby = dr.Single(d => d.Str("kind") == "Kafka");
        var mm2 = dr.Single(d => d.Str("kind") == "KafkaMirrorMaker2").Map("spec");
        var clusters = mm2.List("clusters").ToDictionary(c => c.Str("alias")!, c => c.Str("bootstrapServers")!);

        Assert.Equal(KubernetesManifestTests.ConfigMap()["Kafka__BootstrapServers"], clusters["primary"]);
        Assert.StartsWith($"{standby.Map("metadata").Str("name")}-kafka-bootstrap:", clusters["standby"], StringComparison.Ordinal);
        Assert.Equal("standby", mm2.Str("connectCluster"));

        // The same topics, groups and naming policy as compose's MirrorMaker (deploy/kafka-mirrormaker/mm2.properties).
        var properties = ComposeOperationsTests.MirrorMakerProperties();
        var mirror = Assert.Single(mm2.List("mirrors"));
        Assert.Equal(("primary", "standby"), (mirror.Str("sourceCluster"), mirror.Str("targetCluster")));
        Assert.Equal(properties["primary->standby.topics"], mirror.Str("topicsPattern"));
        Assert.Equal(properties["primary->standby.groups"], mirror.Str("groupsPattern"));
        foreach (var connector in new[] { "sourceConnector", "checkpointConnector", "heartbeatConnector" })
        {
            Assert.Equal(properties["replication.policy.class"], mirror.Map(connector).Map("config").Str("replication.policy.class"));
        }

        Assert.Equal("true", mirror.Map("checkpointConnector").Map("config").Str("sync.group.offsets.enabled"));
    }
}
