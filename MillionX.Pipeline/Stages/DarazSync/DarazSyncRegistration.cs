using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Sources;

namespace MillionX.Pipeline.Stages.DarazSync;

public static class DarazSyncRegistration
{
    public static readonly StageDefinition Definition = new(
        DarazSyncStage.StageName, StageKind.Source,
        "Daraz seller orders (Open Platform API, signed) since the updated_at watermark, one record per product line.", AddDarazSync);

    public static IHostApplicationBuilder AddDarazSync(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DarazOptions>().BindConfiguration(DarazOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.AddSourceInfrastructure();
        builder.AddSourceHttpClient(DarazSyncStage.HttpClientName);
        builder.Services.AddHostedService<DarazSyncStage>();
        return builder;
    }
}
