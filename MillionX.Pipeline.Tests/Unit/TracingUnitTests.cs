using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using MillionX.Pipeline.Observability;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace MillionX.Pipeline.Tests.Unit;

[Collection(TracingCollection.Name)]
public sealed class TracingUnitTests
{
    private const string SampledParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private const string UnsampledParent = "00-0af7651916cd43dd8448eb211c80319d-b7ad6b7169203332-00";

    [Fact]
    public void TracingOff_SendAndProcess_AllocateNothingPerMessage()
    {
        Assert.False(PipelineTracing.Source.HasListeners());
        var record = Record(SampledParent);
        Headers? headers = record.Message.Headers;
        for (var i = 0; i < 100; i++)
        {
            Cycle(record, ref headers);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            Cycle(record, ref headers);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Same(record.Message.Headers, headers);
        Assert.Equal(SampledParent, Encoding.ASCII.GetString(headers!.GetLastBytes(PipelineHeaders.TraceParent)));

        static void Cycle(ConsumeResult<byte[]?, byte[]> record, ref Headers? headers)
        {
            var process = PipelineTracing.StartProcess("privacy-shield", "g", record);
            var send = PipelineTracing.StartSend("sink.weaviate.vectors", ref headers);
            PipelineTracing.Detach(process);
            PipelineTracing.EndProcess(process);
            Assert.Null(send);
        }
    }

    [Fact]
    public async Task SamplingRatioOne_Send_InjectsItsOwnTraceParentIntoHeaders()
    {
        var (host, exported) = await StartTracingHost("1");
        using (host)
        {
            Headers? headers = null;
            var span = PipelineTracing.StartSend("source.social.tiktok", ref headers);
            Assert.NotNull(span);
            Assert.Null(Activity.Current);
            Assert.Equal(span.Id, Encoding.ASCII.GetString(headers!.GetLastBytes(PipelineHeaders.TraceParent)));
            Assert.True(PipelineHeaders.TryGetTraceContext(headers, out var context));
            Assert.Equal(span.TraceId, context.TraceId);
            Assert.Equal(span.SpanId, context.SpanId);

            // The next stage's span is the child of the header's context.
            var consumed = PipelineTracing.StartProcess("privacy-shield", "g", Record(span.Id!));
            Assert.Equal(span.TraceId, consumed!.TraceId);
            Assert.Equal(span.SpanId, consumed.ParentSpanId);
            PipelineTracing.Detach(consumed);
            Assert.Null(Activity.Current);
            PipelineTracing.EndProcess(consumed, deadLetterReason: "too_short");
            PipelineTracing.EndSend(span, new Error(ErrorCode.NoError));
            Assert.Null(Activity.Current); // the ending thread is not left inside a finished span's parent
            Assert.Equal(2, exported.Count);
            Assert.Equal("too_short", exported.Single(a => a.DisplayName == "process privacy-shield").GetTagItem("millionx.dead_letter.reason"));
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task SamplingRatioZero_NewTracesDropped_SampledParentStillFollowed()
    {
        var (host, exported) = await StartTracingHost("0");
        using (host)
        {
            // A dropped new trace still propagates its decision: the header says "not sampled" (flags 00) downstream.
            Headers? headers = null;
            var dropped = PipelineTracing.StartSend("source.social.tiktok", ref headers);
            Assert.False(dropped?.Recorded ?? false);
            if (dropped is not null)
            {
                Assert.EndsWith("-00", Encoding.ASCII.GetString(headers!.GetLastBytes(PipelineHeaders.TraceParent)), StringComparison.Ordinal);
                var child = PipelineTracing.StartProcess("privacy-shield", "g", Record(dropped.Id!));
                Assert.False(child?.Recorded ?? false);
                PipelineTracing.Detach(child);
                PipelineTracing.EndProcess(child);
                PipelineTracing.EndSend(dropped, new Error(ErrorCode.NoError));
            }

            var unsampled = PipelineTracing.StartProcess("privacy-shield", "g", Record(UnsampledParent));
            Assert.False(unsampled?.Recorded ?? false);
            PipelineTracing.Detach(unsampled);
            PipelineTracing.EndProcess(unsampled);

            var sampled = PipelineTracing.StartProcess("privacy-shield", "g", Record(SampledParent));
            Assert.NotNull(sampled);
            Assert.True(sampled.Recorded);
            PipelineTracing.Detach(sampled);
            PipelineTracing.EndProcess(sampled);

            var only = Assert.Single(exported);
            Assert.Equal("0af7651916cd43dd8448eb211c80319c", only.TraceId.ToHexString());
            Assert.Equal("b7ad6b7169203331", only.ParentSpanId.ToHexString());
            await host.StopAsync();
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:4318", "http/protobuf", "http://127.0.0.1:4318/v1/traces", OtlpExportProtocol.HttpProtobuf)]
    [InlineData("http://collector:4318/", "http/protobuf", "http://collector:4318/v1/traces", OtlpExportProtocol.HttpProtobuf)]
    [InlineData("http://collector:4318/v1/traces", "http/protobuf", "http://collector:4318/v1/traces", OtlpExportProtocol.HttpProtobuf)]
    [InlineData("http://collector:4317", "grpc", "http://collector:4317/", OtlpExportProtocol.Grpc)]
    public void ConfigureOtlp_BaseAddress_TracesEndpointLikeTheStandardVariable(string configured, string protocol, string expected, OtlpExportProtocol expectedProtocol)
    {
        var o = new OtlpExporterOptions();
        TracingRegistration.ConfigureOtlp(o, new TracingOptions { OtlpEndpoint = configured, OtlpProtocol = protocol });
        Assert.Equal(expected, o.Endpoint.ToString());
        Assert.Equal(expectedProtocol, o.Protocol);
    }

    [Theory]
    [InlineData(null, null, null, false)]
    [InlineData(null, "http://127.0.0.1:4318", null, true)]
    [InlineData(null, null, "http://127.0.0.1:4318", true)]
    [InlineData("false", "http://127.0.0.1:4318", null, false)]
    [InlineData("true", null, null, true)]
    public void AddPipelineTracing_EnabledOnlyWhenAskedOrAnEndpointIsConfigured(string? enabled, string? endpoint, string? envEndpoint, bool expected)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tracing:Enabled"] = enabled,
            ["Tracing:OtlpEndpoint"] = endpoint,
            [TracingRegistration.OtlpEndpointVariable] = envEndpoint,
        });
        Assert.Equal(expected, builder.AddPipelineTracing());
        Assert.Equal(expected, builder.Services.Any(d => d.ServiceType == typeof(TracerProvider)));
    }

    [Fact]
    public async Task AddPipelineTracing_EndpointNotAnAddress_HostStopsAtStartNamingTheKey()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Tracing:OtlpEndpoint"] = "collector:4318" });
        builder.AddPipelineTracing();
        using var host = builder.Build();
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Tracing:OtlpEndpoint 'collector:4318'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TextLogLine_InsideASpan_CarriesTraceAndSpanIds()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == PipelineTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var sink = new CollectingSink();
        using var log = new LoggerConfiguration().Enrich.With(new TraceContextEnricher(textSuffix: true)).WriteTo.Sink(sink).CreateLogger();
        var formatter = new MessageTemplateTextFormatter(ObservabilityExtensions.TextTemplate);

        log.Information("outside");
        string traceId, spanId;
        using (var span = PipelineTracing.Source.StartActivity("work"))
        {
            traceId = span!.TraceId.ToHexString();
            spanId = span.SpanId.ToHexString();
            log.Warning("inside {Count}", 3);
        }

        var lines = sink.Events.Select(e =>
        {
            using var w = new StringWriter();
            formatter.Format(e, w);
            return w.ToString();
        }).ToList();
        Assert.DoesNotContain("trace_id", lines[0], StringComparison.Ordinal);
        Assert.EndsWith($"inside 3 trace_id={traceId} span_id={spanId}{Environment.NewLine}", lines[1], StringComparison.Ordinal);
        Assert.Equal(traceId, ((ScalarValue)sink.Events[1].Properties[TraceContextEnricher.TraceIdProperty]).Value);
        Assert.Equal(spanId, ((ScalarValue)sink.Events[1].Properties[TraceContextEnricher.SpanIdProperty]).Value);
    }

    private static async Task<(IHost Host, List<Activity> Exported)> StartTracingHost(string ratio)
    {
        var exported = new List<Activity>();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tracing:Enabled"] = "true",
            ["Tracing:SamplingRatio"] = ratio,
        });
        Assert.True(builder.AddPipelineTracing());
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(exported));
        var host = builder.Build();
        await host.StartAsync();
        return (host, exported);
    }

    private static ConsumeResult<byte[]?, byte[]> Record(string traceParent) => new()
    {
        Topic = "source.social.tiktok",
        Partition = 1,
        Offset = 42,
        Message = new Message<byte[]?, byte[]>
        {
            Key = null,
            Value = [],
            Headers = new Headers { { PipelineHeaders.TraceParent, Encoding.ASCII.GetBytes(traceParent) } },
        },
    };

    private sealed class CollectingSink : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }
}
