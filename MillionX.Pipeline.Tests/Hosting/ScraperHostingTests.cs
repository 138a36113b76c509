using Microsoft.Extensions.Options;
using MillionX.Pipeline.Stages.SocialScrapers;

namespace MillionX.Pipeline.Tests.Hosting;

/// <summary>The scrapers run only by role (no profile names them) and refuse bad <c>Scraping</c> options at start.</summary>
public sealed class ScraperHostingTests
{
    private static IHost Build(string[] args, params (string Key, string Value)[] extra)
    {
        var config = TestConfig.Quiet();
        foreach (var (k, v) in extra)
        {
            config[k] = v;
        }

        return RunCommand.Build(CommandLine.Parse(args), config);
    }

    private static string[] Scrapers(IHost host) => host.Services.GetServices<IHostedService>().OfType<SocialScraperStage>().Select(s => s.Name).Order(StringComparer.Ordinal).ToArray();

    [Theory]
    [InlineData(new string[0], new string[0])]
    [InlineData(new[] { "--profile", "local" }, new string[0])]
    [InlineData(new[] { "--role", "tiktok-scraper" }, new[] { "tiktok-scraper" })]
    [InlineData(new[] { "--role", "facebook-scraper" }, new[] { "facebook-scraper" })]
    public void Build_RoleOrProfile_RegistersScrapersOnlyByRole(string[] args, string[] expected)
    {
        using var host = Build(args);
        Assert.Equal(expected, Scrapers(host));
    }

    [Fact]
    public void Build_StageIntervals_BoundPerPlatform()
    {
        using var host = Build(["--role", "tiktok-scraper"], ("Stages:tiktok-scraper:Interval", "00:05:00"));
        var o = host.Services.GetRequiredService<IOptionsMonitor<ScraperStageOptions>>();
        Assert.Equal(TimeSpan.FromMinutes(5), o.Get("tiktok-scraper").Interval);
        Assert.Equal(TimeSpan.FromMinutes(30), o.Get("facebook-scraper").Interval);
        var scraping = host.Services.GetRequiredService<IOptions<ScrapingOptions>>().Value;
        Assert.Equal(ScrapingOptions.DefaultKeywords, scraping.KeywordsOrDefault());
    }

    [Theory]
    [InlineData("Scraping:Proxies:0", "http://user:hunter2@", "Scraping:Proxies[0]")]
    [InlineData("Scraping:Viewports:0", "big", "Scraping:Viewports")]
    [InlineData("Scraping:PostsPerKeyword", "0", "PostsPerKeyword")]
    [InlineData("Scraping:TikTokSearchPathTemplate", "/search", "{keyword}")]
    public async Task Start_InvalidScrapingOptions_FailsAtStartNamingTheSetting(string key, string value, string named)
    {
        using var host = Build(["--role", "tiktok-scraper"], (key, value));
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }
}
