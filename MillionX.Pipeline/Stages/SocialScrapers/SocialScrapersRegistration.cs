using Microsoft.Extensions.DependencyInjection.Extensions;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Sources;

namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>What the two browser scrapers need. In no profile: run them with <c>--role tiktok-scraper</c> / <c>--role facebook-scraper</c>.</summary>
public static class SocialScrapersRegistration
{
    /// <summary>What both scrapers share (one browser per process); idempotent.</summary>
    public static void AddScrapingCore(this IHostApplicationBuilder builder, string stage)
    {
        builder.Services.AddOptions<ScraperStageOptions>(stage).BindConfiguration($"Stages:{stage}");
        if (builder.Services.Any(d => d.ServiceType == typeof(PlaywrightBrowserPool)))
        {
            return;
        }

        builder.AddSourceInfrastructure();
        builder.Services.AddValidatedOptions<ScrapingOptions>(ScrapingOptions.Section);
        builder.Services.AddSingleton<PlaywrightBrowserPool>();
        builder.Services.TryAddSingleton<ICaptchaSolver, NoCaptchaSolver>();
        builder.Services.AddSingleton<ApifyClient>();
        builder.AddProductKeywordGroups();
        builder.AddSourceHttpClient(ApifyClient.HttpClientName);
    }
}
