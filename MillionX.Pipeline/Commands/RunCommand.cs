namespace MillionX.Pipeline.Commands;

/// <summary>The default command: runs the stages the profile, role and overrides select, until Ctrl+C.</summary>
public static class RunCommand
{
    public static IHost Build(CommandLine cl, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var builder = PipelineHostFactory.CreateBuilder(cl, overrides);
        builder.AddPipelineObservability();
        builder.AddPipelineCore();
        var selection = builder.AddPipelineStages();
        var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MillionX.Pipeline");
        foreach (var stage in selection)
        {
            logger.LogInformation("Stage {Stage} runs ({Reason})", stage.Name, stage.Reason);
        }

        var off = StageCatalog.Names.Except(selection.Select(s => s.Name), StringComparer.Ordinal).ToList();
        if (off.Count > 0)
        {
            logger.LogInformation("Stages not running: {Stages}", string.Join(", ", off));
        }

        return host;
    }

    public static async Task<int> RunAsync(CommandLine cl)
    {
        using var host = Build(cl);
        var registry = host.Services.GetRequiredService<StageRegistry>(); // RunAsync disposes the host
        await host.RunAsync();
        return registry.ExitCode;
    }
}
