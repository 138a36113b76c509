using System.Text.RegularExpressions;

namespace MillionX.Pipeline.VectorStore;

/// <summary><c>VectorStore:Weaviate</c>: the REST endpoint, optional API key, target class, batching and retry policy.</summary>
public sealed partial class WeaviateOptions : IValidatableObject
{
    public const string Section = "VectorStore:Weaviate";

    /// <summary>e.g. http://localhost:8080 or https://my-cluster.weaviate.cloud (a path prefix is kept).</summary>
    public string Url { get; set; } = "";

    /// <summary>Sent as <c>Authorization: Bearer</c> when set; put it in the environment (VectorStore__Weaviate__ApiKey), never in the config file. Never logged.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Weaviate class (collection); Weaviate requires an upper-case first letter.</summary>
    public string ClassName { get; set; } = "SocialPost";

    /// <summary>Objects per <c>POST /v1/batch/objects</c>.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// Attempts per request (the HttpClient's resilience handler), and batch requests per batch counting the resends of
    /// objects Weaviate reported as failed.
    /// </summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 6;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Per request, including reading the answer; a request that takes longer is retried.</summary>
    public TimeSpan HttpTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            yield return new($"{Section}:Url must be an absolute http(s) URL such as http://localhost:8080.", [nameof(Url)]);
        }

        if (!ClassNamePattern().IsMatch(ClassName))
        {
            yield return new($"{Section}:ClassName '{ClassName}' must start with an upper-case letter followed by letters, digits or '_'.", [nameof(ClassName)]);
        }

        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            yield return new($"{Section}: InitialBackoff must be positive and MaxBackoff at least InitialBackoff.", [nameof(InitialBackoff), nameof(MaxBackoff)]);
        }

        // The resilience handler's per-attempt timeout takes 10 ms to a day.
        if (HttpTimeout < TimeSpan.FromMilliseconds(10) || HttpTimeout > TimeSpan.FromDays(1))
        {
            yield return new($"{Section}:HttpTimeout must be from 10 ms to 1 day.", [nameof(HttpTimeout)]);
        }
    }

    [GeneratedRegex("^[A-Z][_0-9A-Za-z]*$")]
    private static partial Regex ClassNamePattern();
}
