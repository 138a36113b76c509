using System.Diagnostics;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OpenTelemetry;
using Serilog.Core;
using Serilog.Events;

namespace MillionX.Pipeline.Observability;

public static class TracingRegistration
{
    /// <summary>The standard OpenTelemetry variable; the SDK reads it (and OTEL_EXPORTER_OTLP_PROTOCOL) itself.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Attaches OpenTelemetry to <see cref="PipelineTracing.Source"/> when tracing is enabled: parent-based ratio
    /// sampling and, when an endpoint is configured, the OTLP exporter. Returns whether tracing is on.
    /// </summary>
    public static bool AddPipelineTracing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<TracingOptions>(TracingOptions.Section);
        var options = builder.Configuration.GetSection(TracingOptions.Section).Get<TracingOptions>() ?? new TracingOptions();
        var envEndpoint = builder.Configuration[OtlpEndpointVariable];
        options.OtlpEndpoint = options.OtlpEndpoint?.Trim() ?? "";
        var otlp = options.OtlpEndpoint.Length > 0 || !string.IsNullOrWhiteSpace(envEndpoint);
        if (!(options.Enabled ?? otlp))
        {
            return false;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName))
            .WithTracing(t =>
            {
                t.AddSource(PipelineTracing.SourceName)
                    .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(Math.Clamp(options.SamplingRatio, 0, 1))));
                if (options.OtlpEndpoint.Length > 0)
                {
                    t.AddOtlpExporter(o => ConfigureOtlp(o, options));
                }
                else if (otlp)
                {
                    t.AddOtlpExporter();
                }
            });
        return true;
    }

    /// <summary>Like the OTEL_EXPORTER_OTLP_ENDPOINT variable, the configured address is the base: http/protobuf posts to its /v1/traces.</summary>
    internal static void ConfigureOtlp(OtlpExporterOptions o, TracingOptions options)
    {
        var grpc = options.OtlpProtocol == "grpc";
        o.Protocol = grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        var endpoint = new Uri(options.OtlpEndpoint, UriKind.Absolute);
        if (!grpc && !endpoint.AbsolutePath.EndsWith("/v1/traces", StringComparison.Ordinal))
        {
            endpoint = new Uri(endpoint, endpoint.AbsolutePath.TrimEnd('/') + "/v1/traces");
        }

        o.Endpoint = endpoint;
    }
}

/// <summary>
/// Puts the current span's ids on every log event written inside it: <c>trace_id</c> and <c>span_id</c> properties
/// (compact JSON; the recent-errors ring) and, for the text format, a <c>TraceIds</c> suffix its template renders.
/// </summary>
public sealed class TraceContextEnricher(bool textSuffix) : ILogEventEnricher
{
    public const string TraceIdProperty = "trace_id";
    public const string SpanIdProperty = "span_id";
    public const string SuffixProperty = "TraceIds";

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        if (Activity.Current is not { } activity)
        {
            return;
        }

        var traceId = activity.TraceId.ToHexString();
        var spanId = activity.SpanId.ToHexString();
        logEvent.AddPropertyIfAbsent(new LogEventProperty(TraceIdProperty, new ScalarValue(traceId)));
        logEvent.AddPropertyIfAbsent(new LogEventProperty(SpanIdProperty, new ScalarValue(spanId)));
        if (textSuffix)
        {
            logEvent.AddPropertyIfAbsent(new LogEventProperty(SuffixProperty, new ScalarValue($" trace_id={traceId} span_id={spanId}")));
        }
    }
}
