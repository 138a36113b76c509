namespace MillionX.Pipeline.Tests.Unit;

public sealed class CommandLineTests
{
    [Fact]
    public void Parse_NoArguments_RunWithNothingElse()
    {
        var cl = CommandLine.Parse([]);

        Assert.Equal("run", cl.Command);
        Assert.Empty(cl.Flags);
        Assert.Empty(cl.ConfigArgs);
    }

    [Theory]
    [InlineData("run", "run")]
    [InlineData("broker", "broker")]
    [InlineData("ingest", "ingest")]
    [InlineData("help", "help")]
    [InlineData("INGEST", "ingest")]
    [InlineData("Broker", "broker")]
    public void Parse_CommandWord_SelectsCommand(string word, string expected)
    {
        Assert.Equal(expected, CommandLine.Parse([word]).Command);
    }

    [Fact]
    public void Parse_FlagsWithoutCommandWord_DefaultRun()
    {
        var cl = CommandLine.Parse(["--profile", "stream"]);

        Assert.Equal("run", cl.Command);
        Assert.Equal("stream", cl.Flag("profile"));
    }

    [Fact]
    public void Parse_UnknownCommand_ErrorNamesItAndListsCommands()
    {
        var ex = Assert.Throws<ArgumentException>(() => CommandLine.Parse(["deploy", "--role", "x"]));

        Assert.Contains("'deploy'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("run, broker, ingest, sql, search, bench, topics, dlq, model, quality, help", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--role", "dlq-monitor")]
    [InlineData("--role=dlq-monitor")]
    [InlineData("--ROLE", "dlq-monitor")]
    public void Parse_Role_FlagAndPipelineRoleConfig(params string[] args)
    {
        var cl = CommandLine.Parse(args);

        Assert.Equal("dlq-monitor", cl.Flag("role"));
        Assert.Equal(["--Pipeline:Role=dlq-monitor"], cl.ConfigArgs);
    }

    [Theory]
    [InlineData("--profile", "sinks")]
    [InlineData("--profile=sinks")]
    public void Parse_Profile_FlagAndPipelineProfileConfig(params string[] args)
    {
        var cl = CommandLine.Parse(args);

        Assert.Equal("sinks", cl.Flag("profile"));
        Assert.Equal(["--Pipeline:Profile=sinks"], cl.ConfigArgs);
    }

    [Fact]
    public void Parse_RoleAndProfile_BothMapped()
    {
        var cl = CommandLine.Parse(["run", "--profile=local", "--role", "sample-source"]);

        Assert.Contains("--Pipeline:Role=sample-source", cl.ConfigArgs);
        Assert.Contains("--Pipeline:Profile=local", cl.ConfigArgs);
        Assert.Equal(2, cl.ConfigArgs.Count);
    }

    [Fact]
    public void Parse_IngestFlags_SeparateAndEqualsForms()
    {
        var cl = CommandLine.Parse(["ingest", "--source", "shopify", "--file=/data/orders.jsonl", "--summary-json", "out.json"]);

        Assert.Equal("ingest", cl.Command);
        Assert.Equal("shopify", cl.Flag("source"));
        Assert.Equal("/data/orders.jsonl", cl.Flag("file"));
        Assert.Equal("out.json", cl.Flag("summary-json"));
        Assert.Null(cl.Flag("role"));
        Assert.Empty(cl.ConfigArgs);
    }

    [Fact]
    public void Parse_TypedOptions_ValuesAsSystemCommandLineParsedThem()
    {
        var ingest = CommandLine.Parse(["ingest", "--source", " Shopify ", "--file=orders.jsonl", "--summary-json", "/tmp/out.json", "--config", "extra.json"]);
        var search = CommandLine.Parse(["search", "eid shari", "--top", "7"]);
        var dlq = CommandLine.Parse(["dlq", "inspect", "--samples", "0"]);

        Assert.Equal(Sources.SourceKind.Shopify, ingest.Value<Sources.SourceKind>("source"));
        Assert.Equal(Path.GetFullPath("orders.jsonl"), ingest.File("file")!.FullName);
        Assert.Equal("/tmp/out.json", ingest.File("summary-json")!.FullName);
        Assert.Equal(Path.GetFullPath("extra.json"), ingest.File("config")!.FullName);
        Assert.Equal(7, search.Value<int>("top"));
        Assert.Equal(0, dlq.Value<int>("samples"));
        Assert.Null(search.Value<int>("samples"));
        Assert.Null(dlq.File("config"));
    }

    [Fact]
    public void Parse_ValueContainingEquals_KeptWhole()
    {
        Assert.Equal("a=b", CommandLine.Parse(["ingest", "--file=a=b"]).Flag("file"));
    }

    [Fact]
    public void Parse_ValueStartingWithSingleDash_Accepted()
    {
        Assert.Equal("-", CommandLine.Parse(["ingest", "--file", "-"]).Flag("file"));
    }

    [Fact]
    public void Parse_BrokerAddressFile_Flag()
    {
        var cl = CommandLine.Parse(["broker", "--address-file", "/tmp/addr"]);

        Assert.Equal("broker", cl.Command);
        Assert.Equal("/tmp/addr", cl.Flag("address-file"));
    }

    [Theory]
    [InlineData("--Kafka:BootstrapServers=x:9092")]
    [InlineData("--Kafka:BootstrapServers", "x:9092")]
    public void Parse_ConfigOverride_PassedThroughAsKeyEqualsValue(params string[] args)
    {
        var cl = CommandLine.Parse(args);

        Assert.Equal(["--Kafka:BootstrapServers=x:9092"], cl.ConfigArgs);
        Assert.Empty(cl.Flags);
    }

    [Fact]
    public void Parse_SeveralConfigOverridesMixedWithFlags_AllKeptInOrder()
    {
        var cl = CommandLine.Parse(["run", "--Stages:sample-source:Seed", "7", "--role", "sample-source", "--Kafka:GroupIdPrefix=t-"]);

        Assert.Equal(["--Stages:sample-source:Seed=7", "--Kafka:GroupIdPrefix=t-", "--Pipeline:Role=sample-source"], cl.ConfigArgs);
    }

    [Theory]
    [InlineData("--role")]
    [InlineData("--profile")]
    [InlineData("ingest", "--source")]
    [InlineData("ingest", "--file", "--source", "weather")]
    [InlineData("--role", "--Kafka:BootstrapServers=x")]
    public void Parse_ValueFlagWithoutValue_Error(params string[] args)
    {
        var ex = Assert.Throws<ArgumentException>(() => CommandLine.Parse(args));

        Assert.Contains("needs a value", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Kafka:BootstrapServers")]
    [InlineData("--Kafka:BootstrapServers", "--role", "x")]
    [InlineData("--verbose")]
    public void Parse_ConfigOverrideWithoutValue_Error(params string[] args)
    {
        var ex = Assert.Throws<ArgumentException>(() => CommandLine.Parse(args));

        Assert.Contains(args[0], ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run", "stray")]
    [InlineData("ingest", "--source", "tiktok", "file.jsonl")]
    [InlineData("--profile", "local", "extra")]
    [InlineData("broker", "-x")]
    public void Parse_StrayPositional_Error(params string[] args)
    {
        var ex = Assert.Throws<ArgumentException>(() => CommandLine.Parse(args));

        Assert.Contains($"'{args[^1]}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("ingest", "--help")]
    public void Parse_HelpSwitch_SetsHelpFlag(params string[] args)
    {
        Assert.Equal("true", CommandLine.Parse(args).Flag("help"));
    }

    [Fact]
    public void Parse_HelpCommand_IsHelp()
    {
        var cl = CommandLine.Parse(["help"]);

        Assert.Equal("help", cl.Command);
        Assert.Null(cl.Flag("help"));
    }

    [Fact]
    public void Parse_SqlCommand_TakesQueryAndJsonSwitch()
    {
        var cl = CommandLine.Parse(["sql", "select 1 as x", "--json"]);
        Assert.Equal("sql", cl.Command);
        Assert.Equal("select 1 as x", cl.Flag("query"));
        Assert.Equal("true", cl.Flag("json"));
        Assert.Throws<ArgumentException>(() => CommandLine.Parse(["sql", "select 1", "select 2"]));
    }

    [Fact]
    public void Parse_BenchCommand_QuickSwitchJsonPathAndConfigOverride()
    {
        var cl = CommandLine.Parse(["bench", "--quick", "--json", "out.json", "--Bench:Scale=0.5"]);
        Assert.Equal("bench", cl.Command);
        Assert.Equal("true", cl.Flag("quick"));
        Assert.Equal("out.json", cl.Flag("json"));
        Assert.Contains("--Bench:Scale=0.5", cl.ConfigArgs);
        Assert.Null(CommandLine.Parse(["bench"]).Flag("quick"));
        Assert.Throws<ArgumentException>(() => CommandLine.Parse(["bench", "--json"]));
    }
}
