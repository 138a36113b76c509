using Microsoft.Extensions.Configuration;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Stages.DarazSync;
using MillionX.Pipeline.Stages.ShopifySync;
using MillionX.Pipeline.Stages.SocialScrapers;

namespace MillionX.Pipeline.Tests.Hosting;

/// <summary>The role groups of the real appsettings.json (<c>Pipeline:Roles</c>), as the host resolves them.</summary>
public sealed class RoleGroupHostingTests
{
    private static IReadOnlyList<SelectedStage> SelectWithRole(string role) =>
        PipelineHostExtensions.SelectStages(new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Pipeline:Role"] = role })
            .Build());

    [Theory]
    [InlineData("scrapers", new[] { "facebook-scraper", "tiktok-scraper" })]
    [InlineData("market-sync", new[] { "daraz-sync", "shopify-sync" })]
    [InlineData("weather", new[] { "weather" })]
    [InlineData("market-sync,weather", new[] { "daraz-sync", "shopify-sync", "weather" })]
    public void SelectStages_RoleGroupFromAppSettings_ExpandsToItsStages(string role, string[] expected)
    {
        Assert.Equal(expected, SelectWithRole(role).Select(s => s.Name));
    }

    [Fact]
    public void SelectStages_EveryAppSettingsRoleGroup_NamesOnlyKnownStages()
    {
        var groups = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build()
            .GetSection("Pipeline:Roles").GetChildren().Select(g => g.Key).ToList();

        Assert.NotEmpty(groups);
        foreach (var group in groups)
        {
            Assert.NotEmpty(SelectWithRole(group));
        }
    }

    [Fact]
    public void SelectStages_UnknownGroup_ErrorListsTheConfiguredGroups()
    {
        var ex = Assert.Throws<StageSelectionException>(() => SelectWithRole("scraper"));

        Assert.Contains("market-sync, scrapers", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_RoleGroupMarketSync_RegistersBothSourceStagesInOneHost()
    {
        var config = TestConfig.Quiet()
            .With("Stages:shopify-sync:ShopDomain", "mystore.myshopify.com").With("Stages:shopify-sync:AccessToken", "shpat_fake")
            .With("Stages:daraz-sync:AppKey", "501234").With("Stages:daraz-sync:MerchantId", "M-1")
            .With("Stages:daraz-sync:AppSecret", "fake-secret").With("Stages:daraz-sync:AccessToken", "fake-token");

        using var host = RunCommand.Build(CommandLine.Parse(["--role", "market-sync", "--once"]), config);

        var hosted = host.Services.GetServices<IHostedService>().ToList();
        Assert.Single(hosted.OfType<ShopifySyncStage>());
        Assert.Single(hosted.OfType<DarazSyncStage>());
        Assert.Equal(
            [("daraz-sync", "role group 'market-sync'"), ("shopify-sync", "role group 'market-sync'")],
            host.Services.GetRequiredService<StageRegistry>().All.Select(s => (s.Name, s.Reason)).OrderBy(s => s.Name, StringComparer.Ordinal));
    }

    [Fact]
    public void Build_CommaSeparatedRoleFromEnvironmentStyleKey_RegistersBothScrapers()
    {
        using var host = RunCommand.Build(CommandLine.Parse([]), TestConfig.Quiet().With("Pipeline:Role", "tiktok-scraper, facebook-scraper"));

        Assert.Equal(
            ["facebook-scraper", "tiktok-scraper"],
            host.Services.GetServices<IHostedService>().OfType<SocialScraperStage>().Select(s => s.Name).Order(StringComparer.Ordinal));
    }
}
