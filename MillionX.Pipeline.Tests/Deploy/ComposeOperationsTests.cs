using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace MillionX.Pipeline.Tests.Deploy;

/// <summary>compose.yaml's operations pieces: the broker's durable log, the exporter, and the `dr` profile's standby.</summary>
public sealed class ComposeOperationsTests
{
    private static Dictionary<string, object?> Services() => ComposeTests.Resolved().Map("services");

    private static List<(string Source, string Target)> Volumes(string service) =>
        Services().Map(service).List("volumes").Select(v => v is Dictionary<string, object?> d
            ? (d.Str("source")!, d.Str("target")!)
            : (((string)v!).Split(':')[0], ((string)v!).Split(':')[1])).ToList();

    /// <summary>mm2.properties as MirrorMaker reads it (key = value; # comments).</summary>
    public static Dictionary<string, string> MirrorMakerProperties() =>
        RepoFiles.Read("deploy/kafka-mirrormaker/mm2.properties").Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2)).ToDictionary(kv => kv[0].Trim(), kv => kv[1].Trim(), StringComparer.Ordinal);

    private static IReadOnlyList<string> CatalogTopics() =>
        RepoFiles.AppSettingsConfig.GetSection("Kafka:Topics").GetChildren().Select(t => t.Key).ToList();

    [Theory]
    [InlineData("kafka")]
    [InlineData("kafka-standby")]
    public void Kafka_LogDirectoryIsOnANamedVolume(string service)
    {
        var logDirs = Services().Map(service).Map("environment").Str("KAFKA_LOG_DIRS")!;
        var named = ComposeTests.Resolved().Map("volumes").Keys;

        Assert.Contains(Volumes(service), v => v.Target == logDirs && named.Contains(v.Source));
    }

    [Fact]
    public void KafkaExporter_RunsByDefaultAgainstTheBroker()
    {
        var exporter = Services().Map("kafka-exporter");

        Assert.StartsWith("danielqsj/kafka-exporter:", exporter.Str("image"), StringComparison.Ordinal);
        Assert.Empty(exporter.List("profiles"));
        Assert.Equal("service_healthy", exporter.Map("depends_on").Map("kafka").Str("condition"));
    }

    [Fact]
    public void DisasterRecovery_StandbyAndMirrorMakerAreInTheDrProfileOnly()
    {
        foreach (var service in new[] { "kafka-standby", "mirror-maker", "kafka-exporter-standby" })
        {
            Assert.Equal(["dr"], Services().Map(service).List("profiles").Cast<string>());
        }

        var mm = Services().Map("mirror-maker");
        var command = mm.List("command").Cast<string>().ToList();
        Assert.EndsWith("connect-mirror-maker.sh", command[0], StringComparison.Ordinal);
        var (source, target) = Volumes("mirror-maker").Single();
        Assert.Equal(Path.GetFullPath(RepoFiles.PathOf("deploy/kafka-mirrormaker")), Path.GetFullPath(source));
        Assert.Equal(target + "/mm2.properties", command[1]);
    }

    [Fact]
    public void MirrorMaker_CopiesEveryCatalogTopicAndTheGroupsOffsetsUnderTheSameNames()
    {
        var p = MirrorMakerProperties();

        // Both clusters are the compose brokers, on their in-network listeners.
        Assert.Equal("kafka:9092", p["primary.bootstrap.servers"]);
        Assert.Contains("PLAINTEXT://kafka:9092", Services().Map("kafka").Map("environment").Str("KAFKA_ADVERTISED_LISTENERS")!, StringComparison.Ordinal);
        Assert.Equal("kafka-standby:9092", p["standby.bootstrap.servers"]);
        Assert.Contains("PLAINTEXT://kafka-standby:9092", Services().Map("kafka-standby").Map("environment").Str("KAFKA_ADVERTISED_LISTENERS")!, StringComparison.Ordinal);
        Assert.Equal("true", p["primary->standby.enabled"]);
        Assert.Equal("false", p["standby->primary.enabled"]);

        // Every topic of the catalog is mirrored (MirrorMaker matches the whole name); Connect's internal ones are not.
        var topics = new Regex("^(?:" + p["primary->standby.topics"] + ")$");
        Assert.All(CatalogTopics(), t => Assert.Matches(topics, t));
        Assert.DoesNotMatch(topics, "_connect-offsets");

        // A fail-over re-points the stages only: the names stay, the groups' offsets are translated.
        Assert.Equal("org.apache.kafka.connect.mirror.IdentityReplicationPolicy", p["replication.policy.class"]);
        Assert.Equal("true", p["sync.group.offsets.enabled"]);
        Assert.Equal("true", p["emit.checkpoints.enabled"]);
        Assert.Equal(".*", p["primary->standby.groups"]);
    }
}
