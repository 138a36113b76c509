using System.ComponentModel.DataAnnotations;
using MillionX.Pipeline.Hosting;

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

public sealed class HttpOptions
{
    /// <summary>Serves /metrics (Prometheus) and /health.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Loopback by default: metrics and health are not published to the network unless asked.</summary>
    [Required]
    public string Urls { get; set; } = "http://127.0.0.1:9464";
}
