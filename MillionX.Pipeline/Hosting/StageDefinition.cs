using MillionX.Pipeline.Stages.ContextEnricher;
using MillionX.Pipeline.Stages.DarazSync;
using MillionX.Pipeline.Stages.DeadLetterMonitor;
using MillionX.Pipeline.Stages.EmbeddingService;
using MillionX.Pipeline.Stages.PrivacyShield;
using MillionX.Pipeline.Stages.SampleSource;
using MillionX.Pipeline.Stages.SocialScrapers;
using MillionX.Pipeline.Stages.ShopifySync;
using MillionX.Pipeline.Stages.VectorSink;
using MillionX.Pipeline.Stages.WarehouseSink;
using MillionX.Pipeline.Stages.WeatherSource;

namespace MillionX.Pipeline.Hosting;

public enum StageKind
{
    /// <summary>Brings records in from outside; not run by the <c>ingest</c> command (the file is the source).</summary>
    Source,

    /// <summary>Consumes topics; run by <c>ingest</c> until it has caught up.</summary>
    Processor,
}

/// <summary>A pipeline stage module: its name (also its role name), kind and registration.</summary>
public sealed record StageDefinition(string Name, StageKind Kind, string Description, Func<IHostApplicationBuilder, IHostApplicationBuilder> Register);

/// <summary>Every stage this build knows. A profile, role or <c>Stages:Name</c> section may name only these.</summary>
public static class StageCatalog
{
    public static readonly IReadOnlyList<StageDefinition> All =
    [
        SampleSourceRegistration.Definition,
        PrivacyShieldRegistration.Definition,
        WarehouseSinkRegistration.Definition,
        ContextEnricherRegistration.Definition,
        EmbeddingServiceRegistration.Definition,
        VectorSinkRegistration.Definition,
        DeadLetterMonitorRegistration.Definition,
        SocialScrapersRegistration.TikTok,
        SocialScrapersRegistration.Facebook,
        DarazSyncRegistration.Definition,
        WeatherSourceRegistration.Definition,
        ShopifySyncRegistration.Definition,
    ];

    public static IReadOnlyCollection<string> Names => All.Select(s => s.Name).ToList();

    public static StageDefinition Get(string name) => All.First(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
