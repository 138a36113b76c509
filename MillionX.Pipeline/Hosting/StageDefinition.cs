using MillionX.Pipeline.Stages.ContextEnricher;
using MillionX.Pipeline.Stages.DataQuality;
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
public sealed record StageDefinition(string Name, StageKind Kind, string Description, Func<IHostApplicationBuilder, IHostApplicationBuilder> Register)
{
    /// <summary>A stage registered as <typeparamref name="TStage"/> after what <paramref name="services"/> adds for it.</summary>
    public static StageDefinition Of<TStage>(string name, StageKind kind, string description, Action<IHostApplicationBuilder> services)
        where TStage : class, IHostedService =>
        new(name, kind, description, builder =>
        {
            services(builder);
            return builder.AddStage<TStage>();
        });
}

/// <summary>
/// Every stage this build knows, with what each registers beside itself. A profile, role or <c>Stages:Name</c> section
/// may name only these.
/// </summary>
public static class StageCatalog
{
    public static readonly IReadOnlyList<StageDefinition> All =
    [
        StageDefinition.Of<SampleSourceStage>(SampleSourceStage.StageName, StageKind.Source,
            "Synthetic Benglish posts, orders and weather at a configurable rate.",
            b => b.Services.AddValidatedOptions<SampleSourceOptions>(SampleSourceOptions.Section)),
        StageDefinition.Of<PrivacyShieldStage>(PrivacyShieldStage.StageName, StageKind.Processor,
            "Replaces usernames, phones, e-mails and mentions with keyed hashes; source.* to sink.*.",
            b => b.Services.AddSingleton<Anonymiser>().AddValidatedOptions<PrivacyShieldOptions>(PrivacyShieldOptions.Section)),
        StageDefinition.Of<WarehouseSinkStage>(WarehouseSinkStage.StageName, StageKind.Processor,
            "Loads ORDERS, PRICE_HISTORY and WEATHER_LOGS in batches (DuckDB embedded, or Snowflake).",
            b => b.AddWarehouse().Services.AddValidatedOptions<WarehouseSinkOptions>(WarehouseSinkOptions.Section)),
        StageDefinition.Of<ContextEnricherStage>(ContextEnricherStage.StageName, StageKind.Processor,
            "Learns the product catalogue from orders and adds matched products to posts; sink.weaviate.vectors to enriched.weaviate.vectors.",
            b => b.AddCatalogue()),
        new(EmbeddingServiceStage.StageName, StageKind.Processor,
            "Embeds enriched posts with all-MiniLM-L6-v2 in micro-batches and upserts them into the vector store (or hands them to vector-sink).",
            b => b.AddEmbeddingService()),
        StageDefinition.Of<VectorSinkStage>(VectorSinkStage.StageName, StageKind.Processor,
            "Loads embedded posts from enriched.embeddings into the vector store in batches (when embedding-service runs with Output = kafka).",
            b => b.AddVectorStore().Services.AddValidatedOptions<VectorSinkOptions>(VectorSinkOptions.Section)),
        StageDefinition.Of<DeadLetterMonitorStage>(DeadLetterMonitorStage.StageName, StageKind.Processor,
            "Counts dead letters on every dead-letter topic by stage and reason and archives them in DEAD_LETTERS.",
            b => b.AddDeadLetterArchive().Services.AddSingleton<DeadLetterLedger>().AddValidatedOptions<DeadLetterMonitorOptions>(DeadLetterMonitorOptions.Section)),
        StageDefinition.Of<DataQualityStage>(DataQualityStage.StageName, StageKind.Processor,
            "Runs the data-quality checks (volume, freshness, nulls, duplicates, ranges, references, schema pass rate) on a schedule and exports them as metrics.",
            b => b.AddDataQuality()),
        StageDefinition.Of<TikTokScraperStage>(TikTokScraperStage.StageName, StageKind.Source,
            "Scrapes TikTok search results with Chromium (Playwright) into source.social.tiktok; Apify fallback.",
            b => b.AddScrapingCore(TikTokScraperStage.StageName)),
        StageDefinition.Of<FacebookScraperStage>(FacebookScraperStage.StageName, StageKind.Source,
            "Scrapes Facebook post search with Chromium (Playwright) into source.social.facebook; Apify fallback.",
            b => b.AddScrapingCore(FacebookScraperStage.StageName)),
        StageDefinition.Of<DarazSyncStage>(DarazSyncStage.StageName, StageKind.Source,
            "Daraz seller orders (Open Platform API, signed) since the updated_at watermark, one record per product line.",
            b => b.AddApiSource(DarazSyncStage.HttpClientName).AddValidatedOptions<DarazOptions>(DarazOptions.Section)),
        StageDefinition.Of<WeatherSourceStage>(WeatherSourceStage.StageName, StageKind.Source,
            "Current weather per city from OpenWeatherMap (Dhaka, Chittagong, Sylhet, Khulna, Rajshahi by default).",
            b => b.AddApiSource(WeatherSourceStage.HttpClientName).AddValidatedOptions<WeatherOptions>(WeatherOptions.Section)),
        StageDefinition.Of<ShopifySyncStage>(ShopifySyncStage.StageName, StageKind.Source,
            "Shopify orders: GraphQL Admin API sync by updated_at watermark, plus the signed orders webhook.",
            b => b.AddApiSource(ShopifyGraphQlClient.HttpClientName).AddSingleton<ShopifyGraphQlClient>().AddSingleton<IEndpointContributor, ShopifyWebhookEndpoint>()
                .AddValidatedOptions<ShopifyOptions>(ShopifyOptions.Section)),
    ];

    public static IReadOnlyCollection<string> Names => All.Select(s => s.Name).ToList();

    public static StageDefinition Get(string name) => All.First(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
