using MillionX.Pipeline.Commands;

namespace MillionX.Pipeline.Tests.Unit;

/// <summary>The help System.CommandLine writes: one page for all commands, one per command with only its options.</summary>
public sealed class CommandLineHelpTests
{
    [Fact]
    public void Help_Root_ListsEveryCommandAndTheRunOptions()
    {
        var help = CommandLine.Help("help");

        Assert.Contains("Usage:", help, StringComparison.Ordinal);
        Assert.Contains("Commands:", help, StringComparison.Ordinal);
        foreach (var command in CommandLine.Commands)
        {
            Assert.Contains(help.Split('\n'), l => l.TrimStart().StartsWith(command + " ", StringComparison.Ordinal));
        }

        Assert.Contains("--profile <name>", help, StringComparison.Ordinal);
        Assert.Contains("--Kafka:BootstrapServers=host:9092", help, StringComparison.Ordinal);
        Assert.Equal(help, CommandLine.Usage);
    }

    [Fact]
    public void Help_Ingest_ListsItsOptionsWithAllowedSourcesAndNoOtherCommand()
    {
        var help = CommandLine.Help("ingest");

        Assert.Contains("MillionX.Pipeline ingest [options]", help, StringComparison.Ordinal);
        Assert.Contains("--source <tiktok|facebook|shopify|daraz|weather>", help, StringComparison.Ordinal);
        Assert.Contains("--file <records.jsonl>", help, StringComparison.Ordinal);
        Assert.Contains("--summary-json <out.json>", help, StringComparison.Ordinal);
        Assert.Contains("--help", help, StringComparison.Ordinal);
        Assert.DoesNotContain("Commands:", help, StringComparison.Ordinal);
        Assert.DoesNotContain("--skip-retention", help, StringComparison.Ordinal);
        Assert.DoesNotContain("--once", help, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("topics", "<create|verify>", "--skip-retention")]
    [InlineData("dlq", "<inspect|replay>", "--publish-only")]
    [InlineData("search", "<query>", "--platform <tiktok|facebook>")]
    [InlineData("bench", "--json <out.json>", "--quick")]
    [InlineData("broker", "--address-file <path>", "--config <file.json>")]
    public void Help_Command_ShowsItsArgumentsAndOptions(string command, string first, string second)
    {
        var help = CommandLine.Help(command);

        Assert.Contains(first, help, StringComparison.Ordinal);
        Assert.Contains(second, help, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "ingest", "--help" }, "ingest")]
    [InlineData(new[] { "dlq", "-h" }, "dlq")]
    [InlineData(new[] { "run", "--help" }, "run")]
    [InlineData(new[] { "--help" }, "help")]
    [InlineData(new[] { "help" }, "help")]
    public void Parse_HelpSwitch_NamesTheCommandWhoseHelpIsPrinted(string[] args, string command)
    {
        Assert.Equal(command, CommandLine.Parse(args).Command);
    }

    [Fact]
    public void Parse_HelpWithMissingRequiredValues_StillHelp()
    {
        // "topics --help" has no action, "ingest --help" no --source: help wins over the usage error.
        Assert.Equal("true", CommandLine.Parse(["topics", "--help"]).Flag("help"));
        Assert.Equal("true", CommandLine.Parse(["search", "--help"]).Flag("help"));
    }

    [Theory]
    [InlineData("ingest", "--source", "instagram", "Unknown source 'instagram'. Valid sources: tiktok, facebook, shopify, daraz, weather.")]
    [InlineData("search", "--platform", "instagram", "--platform must be tiktok or facebook, not 'instagram'.")]
    [InlineData("search", "--top", "0", "--top must be a whole number from 1 to 1000, not '0'.")]
    [InlineData("dlq", "--topic", "dead-letters", "Valid topics: dead-letters-social, dead-letters-market, dead-letters-weather.")]
    [InlineData("dlq", "--samples", "-1", "--samples is '-1'; valid values: a whole number 0..1000.")]
    public void Parse_InvalidAllowedValue_OneLineNamingTheAllowedValues(string command, string option, string value, string expected)
    {
        string[] positional = command switch { "search" => ["eid"], "dlq" => ["inspect"], _ => [] };
        var ex = Assert.Throws<ArgumentException>(() => CommandLine.Parse([command, .. positional, option, value]));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Parse_OptionOfAnotherCommand_Rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => CommandLine.Parse(["topics", "verify", "--top", "3"]));

        Assert.Contains("'--top'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CommandOptionNames_CaseInsensitiveAndConfigKeysKeepTheirCase()
    {
        var cl = CommandLine.Parse(["ingest", "--Source=TikTok", "--FILE", "a.jsonl", "--Kafka:GroupIdPrefix=T-"]);

        Assert.Equal("TikTok", cl.Flag("source"));
        Assert.Equal("a.jsonl", cl.Flag("file"));
        Assert.Equal(["--Kafka:GroupIdPrefix=T-"], cl.ConfigArgs);
    }
}
