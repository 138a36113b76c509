using Microsoft.Extensions.Options;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Observability;
using MillionX.Pipeline.Stages.ShopifySync;

namespace MillionX.Pipeline.Tests.Hosting;

/// <summary>How the real host registers and validates the shopify-sync stage, from the real appsettings.json.</summary>
public sealed class ShopifyHostingTests
{
    private static IHost Build(string[] args, params (string Key, string? Value)[] extra)
    {
        var config = TestConfig.Quiet();
        foreach (var (k, v) in extra)
        {
            config[k] = v;
        }

        return RunCommand.Build(CommandLine.Parse(args), config);
    }

    private static readonly (string, string?)[] Credentials =
        [("Stages:shopify-sync:ShopDomain", "mystore.myshopify.com"), ("Stages:shopify-sync:AccessToken", "shpat_x")];

    [Fact]
    public void Build_RoleShopifySync_RegistersTheStageAndTheWebhookOnly()
    {
        using var host = Build(["--role", "shopify-sync"], Credentials);

        var hosted = host.Services.GetServices<IHostedService>().ToList();
        Assert.Single(hosted.OfType<ShopifySyncStage>());
        Assert.Single(host.Services.GetServices<IEndpointContributor>().OfType<ShopifyWebhookEndpoint>());
        Assert.Equal(["shopify-sync"], host.Services.GetRequiredService<StageRegistry>().All.Select(s => s.Name));
        Assert.Equal(StageKind.Source, StageCatalog.Get("shopify-sync").Kind);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("ingest")]
    [InlineData("stream")]
    [InlineData("sinks")]
    public void Build_Profiles_DoNotRunShopifySync(string profile)
    {
        using var host = Build(["--profile", profile]);

        Assert.Empty(host.Services.GetServices<IHostedService>().OfType<ShopifySyncStage>());
    }

    [Fact]
    public void Options_AppSettingsDefaults_BindWithoutSecrets()
    {
        using var host = Build(["--role", "shopify-sync"], ("Stages:shopify-sync:ShopDomain", "mystore.myshopify.com"), ("Stages:shopify-sync:AccessToken", "shpat_x"));

        var o = host.Services.GetRequiredService<IOptions<ShopifyOptions>>().Value;
        Assert.Equal("shpat_x", o.AccessToken); // from the environment or the command line, never appsettings.json
        Assert.Equal("", o.WebhookSecret);
        Assert.Equal(TimeSpan.FromMinutes(15), o.Interval);
        Assert.Equal(50, o.PageSize);
        Assert.Equal(TimeSpan.FromDays(7), o.InitialLookback);
        Assert.True(ShopifyQueries.OrdersPageCost(o.PageSize, o.LineItemsPerOrder) <= ShopifyQueries.MaxSingleQueryCost);
    }

    [Theory]
    [InlineData("Stages:shopify-sync:AccessToken", "", "Stages__shopify-sync__AccessToken")]
    [InlineData("Stages:shopify-sync:ShopDomain", "", "ShopDomain")]
    [InlineData("Stages:shopify-sync:PageSize", "250", "LineItemsPerOrder")]
    [InlineData("Stages:shopify-sync:ApiVersion", "latest", "ApiVersion")]
    public async Task Start_InvalidOptions_FailsAtStartNamingTheSetting(string key, string value, string named)
    {
        using var host = Build(
            ["--role", "shopify-sync"],
            ("Stages:shopify-sync:ShopDomain", "mystore.myshopify.com"),
            ("Stages:shopify-sync:AccessToken", "shpat_x"),
            (key, value));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }
}
