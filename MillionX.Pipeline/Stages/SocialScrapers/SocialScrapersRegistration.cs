using Microsoft.Extensions.DependencyInjection.Extensions;

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
        builder.AddCaptchaSolver();
        builder.Services.AddValidatedOptions<ApifyOptions>(ApifyOptions.Section);
        builder.Services.AddSingleton<ApifyClient>();
        builder.AddProductKeywordGroups();
        builder.AddSourceHttpClient(ApifyClient.HttpClientName);
        builder.Services.AddHttpClient(ApifyClient.StartHttpClientName, c => c.Timeout = TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// The solver <c>Scraping:Captcha:Provider</c> names: none (the default), 2captcha or anticaptcha. A solver registered
    /// before wins. The service's client is a plain HttpClient: a retried createTask would be a second paid task.
    /// </summary>
    private static void AddCaptchaSolver(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<CaptchaOptions>(CaptchaOptions.Section);
        builder.Services.AddHttpClient(CaptchaServiceClient.HttpClientName);
        builder.Services.TryAddSingleton<ICaptchaSolver>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<CaptchaOptions>>().Value;
            var provider = o.ProviderKind();
            if (provider == CaptchaProvider.None)
            {
                return new NoCaptchaSolver();
            }

            var clock = sp.GetRequiredService<TimeProvider>();
            var client = new CaptchaServiceClient(
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(CaptchaServiceClient.HttpClientName), CaptchaServiceProfile.For(provider), o, clock);
            return new ServiceCaptchaSolver(client, o, clock, sp.GetRequiredService<ILogger<ServiceCaptchaSolver>>());
        });
    }
}
