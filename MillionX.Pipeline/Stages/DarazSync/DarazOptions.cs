namespace MillionX.Pipeline.Stages.DarazSync;

/// <summary>
/// <c>Stages:daraz-sync</c>: the Daraz Open Platform seller API. The app secret and access token come from the
/// environment (<c>Stages__daraz-sync__AppSecret</c>, <c>Stages__daraz-sync__AccessToken</c>) and are never logged.
/// </summary>
public sealed class DarazOptions : IValidatableObject
{
    public const string Section = "Stages:daraz-sync";

    /// <summary>Gateway including the <c>/rest</c> prefix; API paths such as <c>/orders/get</c> are appended (and signed without it).</summary>
    public string BaseUrl { get; set; } = "https://api.daraz.com.bd/rest";

    public string AppKey { get; set; } = "";

    public string AppSecret { get; set; } = "";

    /// <summary>The seller's OAuth access token (expires; refresh it outside the pipeline and restart with the new one).</summary>
    public string AccessToken { get; set; } = "";

    /// <summary>The seller this token belongs to; goes into every record's <c>merchant_id</c>.</summary>
    public string MerchantId { get; set; } = "";

    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Orders per <c>/orders/get</c> call (the API allows at most 100).</summary>
    [Range(1, 100)]
    public int PageSize { get; set; } = 100;

    /// <summary>Where the first run starts (RFC 3339) when no checkpoint exists; empty = 30 days before that run.</summary>
    public DateTimeOffset? InitialWatermark { get; set; }

    /// <summary>Retries of one call the API refused with <c>ApiCallLimit</c> (throttling), with exponential backoff and jitter.</summary>
    [Range(0, 100)]
    public int MaxThrottleRetries { get; set; } = 8;

    public TimeSpan ThrottleDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxThrottleDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Name of the environment variable that sets a key of this section.</summary>
    public static string EnvironmentVariable(string key) => $"Stages__daraz-sync__{key}";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (key, value) in new[] { (nameof(AppKey), AppKey), (nameof(AppSecret), AppSecret), (nameof(AccessToken), AccessToken), (nameof(MerchantId), MerchantId) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                yield return new ValidationResult(
                    $"Stages:daraz-sync:{key} is not set (env {EnvironmentVariable(key)}); the Daraz source needs AppKey, AppSecret, AccessToken and MerchantId.", [key]);
            }
        }

        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            yield return new ValidationResult("Stages:daraz-sync:BaseUrl must be an absolute URL such as https://api.daraz.com.bd/rest.", [nameof(BaseUrl)]);
        }

        if (Interval <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Stages:daraz-sync:Interval must be positive.", [nameof(Interval)]);
        }

        if (ThrottleDelay < TimeSpan.Zero || MaxThrottleDelay < ThrottleDelay)
        {
            yield return new ValidationResult("Stages:daraz-sync:ThrottleDelay must be >= 0 and at most MaxThrottleDelay.", [nameof(ThrottleDelay)]);
        }
    }
}
