using MillionX.Pipeline.Hosting;

namespace MillionX.Pipeline.Stages.SampleSource;

public static class SampleSourceRegistration
{
    public static readonly StageDefinition Definition = new(
        SampleSourceStage.StageName, StageKind.Source, "Synthetic Benglish posts, orders and weather at a configurable rate.", AddSampleSource);

    public static IHostApplicationBuilder AddSampleSource(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SampleSourceOptions>().BindConfiguration(SampleSourceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHostedService<SampleSourceStage>();
        return builder;
    }
}
