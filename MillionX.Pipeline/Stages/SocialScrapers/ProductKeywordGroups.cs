using MillionX.Pipeline.Stages.ContextEnricher;

namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>
/// The product keyword groups a scraped post's <c>product_mentions</c> are tagged with: the context enricher's configured
/// groups (<c>Stages:context-enricher:Keywords</c>), so scrapers and enricher agree on what a product word is; the
/// built-in groups when none are configured.
/// </summary>
public sealed record ProductKeywordGroups(IReadOnlyDictionary<string, string[]> Groups)
{
    /// <summary>The named options instance the scrapers bind (not validated: they read only the groups).</summary>
    public const string OptionsName = "scrapers";
}

public static class ProductKeywordGroupsRegistration
{
    public static void AddProductKeywordGroups(this IHostApplicationBuilder builder)
    {
        // A named instance of the enricher's options: the scraper roles run without the enricher and must not fail on
        // its store settings, while its Keywords are bound exactly as the enricher binds them.
        builder.Services.AddOptions<ContextEnricherOptions>(ProductKeywordGroups.OptionsName).BindConfiguration(ContextEnricherOptions.Section);
        builder.Services.AddSingleton(sp => new ProductKeywordGroups(
            sp.GetRequiredService<IOptionsMonitor<ContextEnricherOptions>>().Get(ProductKeywordGroups.OptionsName).KeywordsOrDefault()));
    }
}
