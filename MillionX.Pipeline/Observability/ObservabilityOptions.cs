namespace MillionX.Pipeline.Observability;

/// <summary>The <c>Observability</c> section.</summary>
public sealed class ObservabilityOptions : IValidatableObject
{
    public const string Section = "Observability";

    /// <summary><c>text</c> for people, <c>json</c> (Serilog compact JSON) for log shippers.</summary>
    [RegularExpression("^(text|json)$", ErrorMessage = "Observability:LogFormat must be 'text' or 'json'.")]
    public string LogFormat { get; set; } = "text";

    public HttpOptions Http { get; set; } = new();

    /// <summary>How often the progress line is logged; 0 turns it off.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => NestedValidation.Validate(Http, "Observability:Http");
}

public sealed class HttpOptions : IValidatableObject
{
    /// <summary>Serves /metrics (Prometheus) and /health.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Loopback by default: metrics and health are not published to the network unless asked.</summary>
    [Required]
    public string Urls { get; set; } = "http://127.0.0.1:9464";

    /// <summary>
    /// When set, the status page, <c>/status.json</c> and <c>/search</c> answer only a request carrying it
    /// (<c>Authorization: Bearer</c>, or a browser's cookie set by opening <c>/status?token=...</c> once).
    /// <c>/metrics</c> and <c>/health</c> stay open for Prometheus and probes; they carry counts, never records.
    /// From the environment (<c>Observability__Http__AccessToken</c>), never the config file.
    /// </summary>
    public string? AccessToken { get; set; }

    /// <summary>
    /// Host header values the shared port answers (DNS-rebinding guard; <c>*</c> allows any). Empty: the loopback
    /// names (localhost, 127.0.0.1, [::1]) when <see cref="Urls"/> binds loopback only, otherwise any host.
    /// </summary>
    public string[] AllowedHosts { get; set; } = [];

    /// <summary>Searches run at once; more are answered 429 at once instead of queuing behind the model.</summary>
    [Range(1, 64)]
    public int SearchConcurrency { get; set; } = 2;

    internal static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>The Host values a listener on <paramref name="urls"/> accepts.</summary>
    public static string[] AllowedHostsFor(string urls, string[] configured)
    {
        if (configured is { Length: > 0 })
        {
            return configured;
        }

        var hosts = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(u => Uri.TryCreate(u.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri) ? uri : null)
            .ToList();
        var loopbackOnly = hosts.Count > 0 && hosts.All(u => u is not null && (u.IsLoopback || u.Host == "localhost"));
        return loopbackOnly ? LoopbackHosts : ["*"];
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AccessToken is { } token && token.Length is > 0 and < 16)
        {
            yield return new("AccessToken must be at least 16 characters (or empty for no token).", [nameof(AccessToken)]);
        }
    }
}
