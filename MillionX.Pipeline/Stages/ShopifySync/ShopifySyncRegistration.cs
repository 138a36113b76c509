using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Observability;
using MillionX.Pipeline.Sources;

namespace MillionX.Pipeline.Stages.ShopifySync;

public static class ShopifySyncRegistration
{
    public static readonly StageDefinition Definition = new(
        ShopifySyncStage.StageName, StageKind.Source,
        "Shopify orders: GraphQL Admin API sync by updated_at watermark, plus the signed orders webhook.", AddShopifySync);

    public static IHostApplicationBuilder AddShopifySync(this IHostApplicationBuilder builder)
    {
        builder.AddSourceInfrastructure();
        builder.AddSourceHttpClient(ShopifyGraphQlClient.HttpClientName);
        builder.Services.AddOptions<ShopifyOptions>().BindConfiguration(ShopifyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ShopifyGraphQlClient>();
        builder.Services.AddHostedService<ShopifySyncStage>();
        builder.Services.AddSingleton<IEndpointContributor, ShopifyWebhookEndpoint>();
        return builder;
    }
}
