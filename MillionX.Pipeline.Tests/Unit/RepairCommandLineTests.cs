namespace MillionX.Pipeline.Tests.Unit;

/// <summary>Parsing of <c>topics</c> and <c>dlq</c>, and their usage errors' exit code.</summary>
public sealed class RepairCommandLineTests
{
    [Fact]
    public void Parse_TopicsAction_IsThePositionalArgument()
    {
        var cl = CommandLine.Parse(["topics", "verify", "--json", "--skip-retention", "--Kafka:BootstrapServers=h:9092"]);

        Assert.Equal("topics", cl.Command);
        Assert.Equal("verify", cl.Flag("action"));
        Assert.NotNull(cl.Flag("json"));
        Assert.NotNull(cl.Flag("skip-retention"));
        Assert.Equal(["--Kafka:BootstrapServers=h:9092"], cl.ConfigArgs);
    }

    [Fact]
    public void Parse_DlqReplay_TakesFiltersAndSwitches()
    {
        var cl = CommandLine.Parse(["dlq", "replay", "--topic", "dead-letters-market", "--reason=out_of_range", "--dry-run", "--publish-only", "--samples", "4"]);

        Assert.Equal("replay", cl.Flag("action"));
        Assert.Equal("dead-letters-market", cl.Flag("topic"));
        Assert.Equal("out_of_range", cl.Flag("reason"));
        Assert.Equal("4", cl.Flag("samples"));
        Assert.NotNull(cl.Flag("dry-run"));
        Assert.NotNull(cl.Flag("publish-only"));
        Assert.Empty(cl.ConfigArgs);
    }

    [Fact]
    public void Parse_SecondPositional_Rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => CommandLine.Parse(["dlq", "inspect", "replay"]));
        Assert.Contains("'replay'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("topics", "create, verify")]
    [InlineData("dlq rewind", "inspect, replay")]
    [InlineData("dlq inspect --reason nope", "malformed_json")]
    [InlineData("ingest --source instagram --file x.jsonl", "Unknown source 'instagram'. Valid sources: tiktok, facebook, shopify, daraz, weather.")]
    [InlineData("search eid --platform instagram", "--platform must be tiktok or facebook, not 'instagram'.")]
    public async Task Run_UsageError_ExitCode2AndMessageNamingValidValues(string args, string named)
    {
        var errors = new StringWriter();
        var original = Console.Error;
        Console.SetError(errors);
        try
        {
            Assert.Equal(PipelineCli.UsageError, await PipelineCli.RunAsync(args.Split(' ')));
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Contains(named, errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Usage_DescribesRepairCommandsAndMasking()
    {
        Assert.Contains("topics create|verify", CommandLine.Usage, StringComparison.Ordinal);
        Assert.Contains("dlq inspect", CommandLine.Usage, StringComparison.Ordinal);
        Assert.Contains("dlq replay", CommandLine.Usage, StringComparison.Ordinal);
        Assert.Contains("never show raw personal data", CommandLine.Usage, StringComparison.Ordinal);
    }
}
