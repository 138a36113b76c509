namespace MillionX.Pipeline.Privacy;

/// <summary>
/// What this process reads or writes outside itself (a warehouse, vector store or catalogue server, a live source),
/// worked out from the selected stages and their settings. The public development keys are refused whenever the list
/// is not empty: hashes of the ~10^9 possible phone numbers under a public key reverse in seconds, so they may only
/// ever protect data that never leaves the process.
/// </summary>
public sealed record ExternalSystems(IReadOnlyList<string> Systems)
{
    public static readonly ExternalSystems None = new([]);

    private static readonly string[] LiveSources = ["tiktok-scraper", "facebook-scraper", "shopify-sync", "daraz-sync", "weather"];

    /// <summary>Pure: the external systems the <paramref name="stages"/> touch under <paramref name="configuration"/>.</summary>
    public static ExternalSystems Of(IConfiguration configuration, IReadOnlyCollection<string> stages)
    {
        var found = new List<string>();
        bool Runs(string stage) => stages.Contains(stage, StringComparer.Ordinal);
        bool Is(string key, string value) => string.Equals(configuration[key]?.Trim(), value, StringComparison.OrdinalIgnoreCase);

        if (Runs("warehouse-sink") && Is("Warehouse:Writer", "snowflake"))
        {
            found.Add("Snowflake (Warehouse:Writer=snowflake)");
        }

        if ((Runs("embedding-service") || Runs("vector-sink")) && Is("VectorStore:Store", "weaviate"))
        {
            found.Add("Weaviate (VectorStore:Store=weaviate)");
        }

        if (Runs("context-enricher") && Is("Stages:context-enricher:Store", "redis"))
        {
            found.Add("Redis (Stages:context-enricher:Store=redis)");
        }

        found.AddRange(LiveSources.Where(Runs).Select(s => $"the live source {s}{(s == "shopify-sync" ? " and its webhook" : "")}"));
        return new ExternalSystems(found);
    }
}
