using Microsoft.Extensions.DependencyInjection.Extensions;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Sources;

namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>The two browser scrapers. In no profile: run them with <c>--role tiktok-scraper</c> / <c>--role facebook-scraper</c>.</summary>
public static class SocialScrapersRegistration
{
    public static readonly StageDefinition TikTok = new(
        TikTokScraperStage.StageName, StageKind.Source,
        "Scrapes TikTok search results with Chromium (Playwright) into source.social.tiktok; Apify fallback.", AddTikTokScraper);

    public static readonly StageDefinition Facebook = new(
        FacebookScraperStage.StageName, StageKind.Source,
        "Scrapes Facebook post search with Chromium (Playwright) into source.social.facebook; Apify fallback.", AddFacebookScraper);

    public static IHostApplicationBuilder AddTikTokScraper(this IHostApplicationBuilder builder)
    {
        builder.AddScrapingCore(TikTokScraperStage.StageName);
        builder.Services.AddSingleton<TikTokScraperStage>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TikTokScraperStage>());
        return builder;
    }

    public static IHostApplicationBuilder AddFacebookScraper(this IHostApplicationBuilder builder)
    {
        builder.AddScrapingCore(FacebookScraperStage.StageName);
        builder.Services.AddSingleton<FacebookScraperStage>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FacebookScraperStage>());
        return builder;
    }

    /// <summary>What both scrapers share (one browser per process); idempotent.</summary>
    private static void AddScrapingCore(this IHostApplicationBuilder builder, string stage)
    {
        builder.Services.AddOptions<ScraperStageOptions>(stage).BindConfiguration($"Stages:{stage}");
        if (builder.Services.Any(d => d.ServiceType == typeof(PlaywrightBrowserPool)))
        {
            return;
        }

        builder.AddSourceInfrastructure();
        builder.Services.AddOptions<ScrapingOptions>().BindConfiguration(ScrapingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<PlaywrightBrowserPool>();
        builder.Services.TryAddSingleton<ICaptchaSolver, NoCaptchaSolver>();
        builder.Services.AddSingleton<ApifyClient>();
        builder.AddSourceHttpClient(ApifyClient.HttpClientName);
    }
}
