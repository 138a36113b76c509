using Microsoft.Extensions.Configuration;
using MillionX.Pipeline.Hosting;

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
}
