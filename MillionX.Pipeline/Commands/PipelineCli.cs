namespace MillionX.Pipeline.Commands;

/// <summary>Dispatches the command line; turns configuration mistakes into a clear message and exit code 2.</summary>
public static class PipelineCli
{
    public const int UsageError = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var cl = CommandLine.Parse(args);
            if (cl.Command == "help" || cl.Flag("help") is not null)
            {
                // help and --help: all commands; "ingest --help": that command's options.
                await Console.Out.WriteAsync(CommandLine.Help(cl.Command));
                return 0;
            }

            return cl.Command switch
            {
                "broker" => await BrokerCommand.RunAsync(cl),
                "ingest" => await IngestCommand.RunAsync(cl),
                "sql" => await SqlCommand.RunAsync(cl),
                "search" => await SearchCommand.RunAsync(cl),
                "bench" => await BenchCommand.RunAsync(cl),
                "topics" => await TopicsCommand.RunAsync(cl),
                "dlq" => await DlqCommand.RunAsync(cl),
                "model" => await ModelCommand.RunAsync(cl),
                "quality" => await QualityCommand.RunAsync(cl),
                _ => await RunCommand.RunAsync(cl),
            };
        }
        catch (Exception ex) when (StartupFailures.IsConfigurationMistake(ex))
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message);
            if (StartupFailures.WantsStackTraces(args))
            {
                await Console.Error.WriteLineAsync(ex.ToString());
            }

            return UsageError;
        }
    }
}
