namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// <c>topics verify|create</c> against the embedded broker. It answers metadata (partitions) but no admin requests
/// (CreateTopics, DescribeConfigs), so creating a topic and reading retention are shown here only failing cleanly;
/// the decisions themselves are unit-tested in <c>TopicPlanTests</c>.
/// </summary>
public sealed class TopicsCommandTests : BrokerTest
{
    // Admin requests to the mock only time out: keep that short.
    private Dictionary<string, string?> Config() => Broker.Config().With("Kafka:Provisioning:Timeout", "00:00:02");

    private static async Task<(int Exit, JsonElement Json, string Errors)> Topics(Dictionary<string, string?> config, params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var exit = await TopicsCommand.RunAsync(CommandLine.Parse(["topics", .. args, "--json"]), config, output, errors);
        using var doc = JsonDocument.Parse(output.ToString());
        return (exit, doc.RootElement.Clone(), errors.ToString());
    }

    private static Dictionary<string, string> Statuses(JsonElement json) =>
        json.GetProperty("topics").EnumerateArray().ToDictionary(t => t.GetProperty("topic").GetString()!, t => t.GetProperty("status").GetString()!);

    [Fact]
    public async Task Verify_BrokerHasTheCatalog_Exit0EveryTopicOk()
    {
        var (exit, json, errors) = await Topics(Config(), "verify", "--skip-retention");

        Assert.Equal(0, exit);
        Assert.True(json.GetProperty("ok").GetBoolean());
        var statuses = Statuses(json);
        Assert.Equal(TestConfig.CatalogPartitions().Keys.Order(StringComparer.Ordinal), statuses.Keys.Order(StringComparer.Ordinal));
        Assert.All(statuses.Values, s => Assert.Equal("ok", s));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Verify_MissingTopicAndDifferentPartitions_Exit1WithOneMessagePerProblem()
    {
        var config = Config()
            .With("Kafka:Topics:source.social.youtube:Partitions", "3")
            .With("Kafka:Topics:context.weather:Partitions", "5");

        var (exit, json, errors) = await Topics(config, "verify", "--skip-retention");

        Assert.Equal(1, exit);
        Assert.False(json.GetProperty("ok").GetBoolean());
        var statuses = Statuses(json);
        Assert.Equal("missing", statuses["source.social.youtube"]);
        Assert.Equal("partitions_differ", statuses[Kafka.Topics.Weather]);
        Assert.Equal(statuses.Count - 2, statuses.Values.Count(s => s == "ok"));
        var problems = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("problem: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("source.social.youtube does not exist", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("context.weather has 2 partitions, the catalog says 5", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Create_NothingMissing_CreatesNothingAndVerifies()
    {
        var (exit, json, _) = await Topics(Config(), "create", "--skip-retention");

        Assert.Equal(0, exit);
        Assert.Empty(json.GetProperty("created").EnumerateArray());
        Assert.All(Statuses(json).Values, s => Assert.Equal("ok", s));
    }

    [Fact]
    public async Task Create_BrokerRefusesCreateTopics_Exit1AndNothingElseTouched()
    {
        var config = Config().With("Kafka:Topics:source.social.youtube:Partitions", "3").With("Kafka:Topics:context.weather:Partitions", "5");

        var (exit, json, errors) = await Topics(config, "create", "--skip-retention");

        Assert.Equal(1, exit);
        Assert.Contains("error: Could not create topics source.social.youtube", errors, StringComparison.Ordinal);
        Assert.Equal("missing", Statuses(json)["source.social.youtube"]);
        // A partition mismatch is reported, never "fixed": the topic keeps its 2 partitions.
        Assert.Equal("partitions_differ", Statuses(json)[Kafka.Topics.Weather]);
        using var probe = new Confluent.Kafka.AdminClientBuilder(new Confluent.Kafka.AdminClientConfig { BootstrapServers = Broker.Bootstrap }).Build();
        Assert.Equal(2, probe.GetMetadata(Kafka.Topics.Weather, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count);
    }

    [Fact]
    public async Task Verify_WithRetention_BrokerDoesNotDescribeConfigs_Exit1RetentionUnverified()
    {
        var (exit, json, errors) = await Topics(Config(), "verify");

        Assert.Equal(1, exit);
        Assert.NotNull(json.GetProperty("retention_error").GetString());
        var statuses = Statuses(json);
        Assert.Equal("retention_unverified", statuses[Kafka.Topics.DeadLettersMarket]);
        // Topics whose retention the catalog leaves to the broker have nothing to verify.
        Assert.Equal("ok", statuses[Kafka.Topics.AnonymisedOrders]);
        Assert.Contains("--skip-retention", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TablePrintsOneLinePerTopic()
    {
        var output = new StringWriter();
        Assert.Equal(0, await TopicsCommand.RunAsync(CommandLine.Parse(["topics", "verify", "--skip-retention"]), Config(), output, new StringWriter()));

        var text = output.ToString();
        Assert.Matches(@"source\.social\.tiktok\s+\| 6/6\s+\| not checked\s+\| ok", text);
        Assert.Contains($"{TestConfig.CatalogPartitions().Count} catalog topics, 0 created, 0 problems", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_BrokerUnreachable_Exit1WithMessage()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var errors = new StringWriter();

        var exit = await TopicsCommand.RunAsync(CommandLine.Parse(["topics", "verify"]),
            TestConfig.Quiet(bootstrap: $"127.0.0.1:{port}").With("Kafka:Provisioning:Timeout", "00:00:02"), new StringWriter(), errors);

        Assert.Equal(1, exit);
        Assert.Contains($"error: cannot read the cluster metadata from 127.0.0.1:{port}", errors.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "topics" }, "create, verify")]
    [InlineData(new[] { "topics", "delete" }, "create, verify")]
    public async Task Topics_BadAction_UsageErrorNamingValidActions(string[] args, string named)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => TopicsCommand.RunAsync(CommandLine.Parse(args), Config()));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Topics_WithoutBroker_UsageErrorExplainsWhy()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => TopicsCommand.RunAsync(CommandLine.Parse(["topics", "verify"]), TestConfig.Quiet()));
        Assert.Contains("Kafka:BootstrapServers", ex.Message, StringComparison.Ordinal);
    }
}
