namespace MillionX.Pipeline.Stages.ContextEnricher;

/// <summary><c>Stages:context-enricher</c>.</summary>
public sealed class ContextEnricherOptions : IValidatableObject
{
    public const string Section = "Stages:context-enricher";

    /// <summary><c>memory</c> (in-process, persisted in the embedded DuckDB file) or <c>redis</c> (shared by replicas).</summary>
    [RegularExpression("^(memory|redis)$", ErrorMessage = "Stages:context-enricher:Store must be 'memory' or 'redis'.")]
    public string Store { get; set; } = "memory";

    /// <summary>StackExchange.Redis configuration string, e.g. <c>redis:6379,password=...</c> (from the environment in production).</summary>
    public string RedisConnection { get; set; } = "";

    public string RedisKeyPrefix { get; set; } = "millionx:catalogue:";

    /// <summary>The DuckDB file the in-process catalogue is persisted in; empty means the embedded warehouse's (<c>Warehouse:DuckDb:Path</c>).</summary>
    public string DuckDbPath { get; set; } = "";

    /// <summary>How old the cached catalogue may get before a post waits for a refresh from the store.</summary>
    public TimeSpan MaxStaleness { get; set; } = TimeSpan.FromSeconds(10);

    [Range(1, 20)]
    public int MaxMatches { get; set; } = 3;

    /// <summary>
    /// Match posts to products by embedding similarity as well as by keywords: product names are embedded once when
    /// learnt, each post once (an inference of the embedding model per post, in this stage).
    /// </summary>
    public bool SemanticMatching { get; set; } = true;

    /// <summary>Least cosine similarity between a post and a product name for a match by meaning alone.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Stages:context-enricher:SemanticThreshold must be between 0 and 1.")]
    public double SemanticThreshold { get; set; } = 0.45;

    /// <summary>
    /// Orders are learnt in batches of at most this many, one store write per batch. A batch writes each product it
    /// changed once, however many of its orders name it, so a larger batch writes fewer rows per order.
    /// </summary>
    [Range(1, 100_000, ErrorMessage = "Stages:context-enricher:MaxOrderBatch must be between 1 and 100000.")]
    public int MaxOrderBatch { get; set; } = 5_000;

    /// <summary>...or as soon as the batch's first order has waited this long.</summary>
    public TimeSpan MaxOrderBatchAge { get; set; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Product keyword groups (English and Benglish): a post that mentions any word of a group matches catalogue
    /// products whose name contains any word of the same group. No initialiser (the binder would append).
    /// </summary>
    public Dictionary<string, List<string>> Keywords { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public static readonly IReadOnlyDictionary<string, string[]> DefaultKeywords = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["juta"] = ["juta", "joota", "shoe", "shoes", "sneaker", "sneakers", "sandal", "sandals"],
        ["shari"] = ["shari", "saree", "sari", "jamdani", "katan"],
        ["bag"] = ["bag", "bags", "handbag", "backpack", "purse"],
        ["phone"] = ["phone", "mobile", "smartphone", "redmi", "samsung", "iphone"],
        ["panjabi"] = ["panjabi", "punjabi", "kurta"],
        ["three piece"] = ["three piece", "salwar", "kameez", "3 piece"],
        ["watch"] = ["watch", "ghori", "smartwatch"],
        ["earbuds"] = ["earbuds", "earphone", "headphone"],
        ["hijab"] = ["hijab", "borka", "burqa"],
    };

    public IReadOnlyDictionary<string, string[]> KeywordsOrDefault() =>
        Keywords.Count == 0 ? DefaultKeywords : Keywords.ToDictionary(k => k.Key, k => k.Value.ToArray(), StringComparer.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxOrderBatchAge <= TimeSpan.Zero)
        {
            yield return new("Stages:context-enricher:MaxOrderBatchAge must be positive.");
        }

        if (Store == "redis" && string.IsNullOrWhiteSpace(RedisConnection))
        {
            yield return new("Stages:context-enricher:RedisConnection is required when Store is 'redis' (env Stages__context-enricher__RedisConnection).");
        }
    }
}
