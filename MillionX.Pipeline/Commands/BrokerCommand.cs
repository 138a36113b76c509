namespace MillionX.Pipeline.Commands;

/// <summary>
/// Runs only the embedded broker with the topic catalog, prints its bootstrap address (and writes it to
/// <c>--address-file</c>), so several pipeline processes, each with its own role, can share one local broker.
/// </summary>
public static class BrokerCommand
{
    public static async Task<int> RunAsync(CommandLine cl)
    {
        var builder = PipelineHostFactory.CreateBuilder(cl);
        if (!string.IsNullOrWhiteSpace(builder.Configuration[$"{KafkaOptions.Section}:BootstrapServers"]))
        {
            throw new ArgumentException("The broker command runs the embedded broker; Kafka:BootstrapServers must be empty.");
        }

        builder.AddPipelineObservability(logsToStdErr: true, http: false);
        builder.AddPipelineCore();
        using var host = builder.Build();
        await host.StartAsync();
        var address = host.Services.GetRequiredService<KafkaCluster>().BootstrapServers;
        if (cl.File("address-file") is { } file)
        {
            var path = file.FullName;
            var tmp = path + ".tmp";
            await File.WriteAllTextAsync(tmp, address + Environment.NewLine);
            File.Move(tmp, path, overwrite: true);
        }

        await Console.Out.WriteLineAsync(address);
        await Console.Out.FlushAsync();
        await host.WaitForShutdownAsync();
        return host.Services.GetRequiredService<StageRegistry>().ExitCode;
    }
}
