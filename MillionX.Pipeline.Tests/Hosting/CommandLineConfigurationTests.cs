using MillionX.Pipeline.Commands;

namespace MillionX.Pipeline.Tests.Hosting;

/// <summary>Configuration overrides on the command line reach the host's configuration, over environment variables.</summary>
public sealed class CommandLineConfigurationTests
{
    [Theory]
    [InlineData("--Kafka:GroupIdPrefix=cli-", "--Stages:sample-source:Seed", "7")]
    [InlineData("--Kafka:GroupIdPrefix", "cli-", "--Stages:sample-source:Seed=7")]
    public void CreateBuilder_ConfigOverrides_ReachConfiguration(params string[] overrides)
    {
        var configuration = PipelineHostFactory.CreateBuilder(CommandLine.Parse(["--role", "dlq-monitor", .. overrides])).Configuration;

        Assert.Equal("cli-", configuration["Kafka:GroupIdPrefix"]);
        Assert.Equal("7", configuration["Stages:sample-source:Seed"]);
        Assert.Equal("dlq-monitor", configuration["Pipeline:Role"]);
    }

    [Theory]
    [InlineData("ingest", "--source", "tiktok", "--file", "x.jsonl", "--profile", "stream")]
    [InlineData("search", "eid shari", "--top", "3")]
    [InlineData("dlq", "inspect", "--json")]
    public void CreateBuilder_ConfigOverrideAfterCommandFlags_ReachesConfiguration(params string[] args)
    {
        var configuration = PipelineHostFactory.CreateBuilder(CommandLine.Parse([.. args, "--Warehouse:DuckDb:Path=/tmp/cli.duckdb"])).Configuration;

        Assert.Equal("/tmp/cli.duckdb", configuration["Warehouse:DuckDb:Path"]);
    }

    [Fact]
    public void CreateBuilder_CommandLineOverride_BeatsEnvironmentVariable()
    {
        // A key no other test reads, so setting it in this process disturbs nothing.
        const string Env = "CliConfigTest__Probe";
        Environment.SetEnvironmentVariable(Env, "from-env");
        try
        {
            Assert.Equal("from-env", PipelineHostFactory.CreateBuilder(CommandLine.Parse([])).Configuration["CliConfigTest:Probe"]);
            Assert.Equal("from-cli", PipelineHostFactory.CreateBuilder(CommandLine.Parse(["--CliConfigTest:Probe=from-cli"])).Configuration["CliConfigTest:Probe"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Env, null);
        }
    }
}
