namespace MillionX.Pipeline.Observability;

/// <summary>The <c>Tracing</c> section: OpenTelemetry spans across stages, exported over OTLP.</summary>
public sealed class TracingOptions : IValidatableObject
{
    public const string Section = "Tracing";

    /// <summary>
    /// Records spans. Unset: on exactly when an OTLP endpoint is configured (<see cref="OtlpEndpoint"/> or
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>); off, no listener is attached and tracing costs nothing per message.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>The collector's base address, e.g. <c>http://127.0.0.1:4318</c>; traces go to <c>/v1/traces</c> over http/protobuf.</summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary><c>http/protobuf</c> (port 4318) or <c>grpc</c> (port 4317).</summary>
    [RegularExpression("^(http/protobuf|grpc)$", ErrorMessage = "Tracing:OtlpProtocol must be 'http/protobuf' or 'grpc'.")]
    public string OtlpProtocol { get; set; } = "http/protobuf";

    /// <summary>Share of new traces recorded (0-1); a record's later spans follow its source's decision (parent-based).</summary>
    [Range(0.0, 1.0, ErrorMessage = "Tracing:SamplingRatio must be between 0 and 1.")]
    public double SamplingRatio { get; set; } = 1.0;

    /// <summary>The <c>service.name</c> resource attribute.</summary>
    [Required]
    public string ServiceName { get; set; } = "millionx-pipeline";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(OtlpEndpoint)
            && !(Uri.TryCreate(OtlpEndpoint.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            yield return new ValidationResult($"Tracing:OtlpEndpoint '{OtlpEndpoint}' is not an absolute http(s) address such as http://127.0.0.1:4318.");
        }
    }
}
