using MillionX.Pipeline.Hosting;

namespace MillionX.Pipeline.Stages.DeadLetterMonitor;

public static class DeadLetterMonitorRegistration
{
    public static readonly StageDefinition Definition = new(
        DeadLetterMonitorStage.StageName, StageKind.Processor, "Counts dead letters on every dead-letter topic by stage and reason.", AddDeadLetterMonitor);

    public static IHostApplicationBuilder AddDeadLetterMonitor(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DeadLetterLedger>();
        builder.Services.AddSingleton<DeadLetterMonitorStage>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeadLetterMonitorStage>());
        return builder;
    }
}
