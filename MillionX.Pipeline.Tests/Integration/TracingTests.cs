using System.Collections.ObjectModel;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using MillionX.Pipeline.Observability;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>Spans across stages through the real embedded broker, exported in memory and over OTLP/HTTP.</summary>
[Collection(TracingCollection.Name)]
public sealed class TracingTests
{
    private static readonly string[] Chain =
    [
        "process embedding-service", "send enriched.weaviate.vectors", "process context-enricher",
        "send sink.weaviate.vectors", "process privacy-shield",
    ];

    [Fact]
    public async Task Record_ThroughEmbeddedBroker_OneTraceFromSourceToEmbedding()
    {
        using var run = await TracedRun.StartAsync(("Stages:sample-source:InvalidShare", "0.2"));
        var (spans, host) = (run.Spans, run.Host);

        var embedded = await run.FirstSpanAsync("process embedding-service", _ => true);
        Assert.True(embedded is not null, "no embedding-service span was exported");

        var names = Ancestry(spans, embedded!);
        Assert.Equal(Chain, names.Take(Chain.Length));
        Assert.Equal(Chain.Length + 1, names.Count);
        Assert.Matches("^send source\\.social\\.(tiktok|facebook)$", names[^1]);
        Assert.Equal(ActivityKind.Producer, spans.Snapshot().Single(a => a.TraceId == embedded!.TraceId && a.ParentSpanId == default).Kind);
        Assert.Equal(ActivityKind.Consumer, embedded!.Kind);
        Assert.Equal("enriched.weaviate.vectors", embedded.GetTagItem("messaging.destination.name"));
        Assert.Equal("kafka", embedded.GetTagItem("messaging.system"));

        // A warning logged inside a span carries its trace id into the recent-errors ring the status page shows.
        using (var span = PipelineTracing.Source.StartActivity("test span"))
        {
            host.Services.GetRequiredService<ILogger<TracingTests>>().LogWarning("Logged inside a span");
            var logged = host.Services.GetRequiredService<RecentErrors>().Snapshot().First(e => e.Message == "Logged inside a span");
            Assert.Equal(span!.TraceId.ToHexString(), logged.TraceId);
        }

        await host.StopAsync();
    }

    [Fact]
    public async Task EmbeddingHandsOverToVectorSink_TheTraceContinuesThroughEnrichedEmbeddings()
    {
        using var run = await TracedRun.StartAsync(("Stages:embedding-service:Output", "kafka"), ("Stages:vector-sink:Enabled", "true"));
        var (spans, host) = (run.Spans, run.Host);

        var landed = await run.FirstSpanAsync("process vector-sink", a => a.ParentSpanId != default);
        Assert.True(landed is not null, "no vector-sink span with a parent was exported");

        var names = Ancestry(spans, landed!);
        Assert.Equal(["process vector-sink", "send enriched.embeddings", .. Chain], names.Take(Chain.Length + 2));
        Assert.Matches("^send source\\.social\\.(tiktok|facebook)$", names[^1]);
        await host.StopAsync();
    }

    /// <summary>The local profile (sample source at 40 records/s) on a broker of its own, its spans exported in memory.</summary>
    private sealed class TracedRun : IDisposable
    {
        private readonly TracerProvider _provider;
        private readonly TestBroker _broker = new();
        private readonly string _prefix = $"t{Guid.NewGuid():N}-";

        private TracedRun(params (string Key, string Value)[] settings)
        {
            _provider = Sdk.CreateTracerProviderBuilder().AddSource(PipelineTracing.SourceName).AddInMemoryExporter(Spans).Build();
            var config = _broker.Config(_prefix).With("Stages:sample-source:RatePerSecond", "40");
            foreach (var (key, value) in settings)
            {
                config[key] = value;
            }

            Host = RunCommand.Build(CommandLine.Parse(["--profile", "local"]), config);
        }

        public LockedList<Activity> Spans { get; } = new();

        public IHost Host { get; }

        public static async Task<TracedRun> StartAsync(params (string Key, string Value)[] settings)
        {
            var run = new TracedRun(settings);
            try
            {
                await run.Host.StartAsync();
                return run;
            }
            catch
            {
                run.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Waits up to 40 s for an exported span named <paramref name="name"/> of a consumer group of this run that also
        /// satisfies <paramref name="and"/>; null when none came.
        /// </summary>
        public async Task<Activity?> FirstSpanAsync(string name, Func<Activity, bool> and)
        {
            Activity? found = null;
            await TestConfig.Eventually(
                () => (found = Spans.Snapshot().FirstOrDefault(a => a.DisplayName == name
                    && (a.GetTagItem("messaging.consumer.group.name") as string)?.StartsWith(_prefix, StringComparison.Ordinal) == true
                    && and(a))) is not null,
                TimeSpan.FromSeconds(40));
            return found;
        }

        public void Dispose()
        {
            Host.Dispose();
            _broker.Dispose();
            _provider.Dispose();
        }
    }

    /// <summary>Names from <paramref name="leaf"/> up its parents; every hop must be an exported span of the same trace.</summary>
    private static List<string> Ancestry(LockedList<Activity> spans, Activity leaf)
    {
        var trace = spans.Snapshot().Where(a => a.TraceId == leaf.TraceId).ToDictionary(a => a.SpanId);
        var names = new List<string>();
        var current = leaf;
        while (true)
        {
            names.Add(current.DisplayName);
            Assert.Equal(leaf.TraceId, current.TraceId);
            if (current.ParentSpanId == default)
            {
                return names;
            }

            Assert.True(trace.TryGetValue(current.ParentSpanId, out var parent), $"parent of {current.DisplayName} was not exported");
            current = parent!;
        }
    }

    [Fact]
    public async Task OtlpEndpoint_Configured_ExporterPostsProtobufSpansToV1Traces()
    {
        await using var collector = new FakeOtlpCollector();
        await collector.StartAsync();
        using var broker = new TestBroker();
        var config = broker.Config()
            .With("Tracing:OtlpEndpoint", collector.Address)
            .With("Stages:sample-source:RatePerSecond", "40");
        var host = RunCommand.Build(CommandLine.Parse(["--profile", "local"]), config);
        try
        {
            await host.StartAsync();
            var embedding = host.Services.GetRequiredService<PipelineMetrics>().Stage("embedding-service");
            Assert.True(await TestConfig.Eventually(() => embedding.Out >= 3, TimeSpan.FromSeconds(40)));
            await host.StopAsync();
        }
        finally
        {
            host.Dispose(); // disposes the tracer provider, which flushes the batch exporter
        }

        var requests = collector.Requests.ToList();
        Assert.NotEmpty(requests);
        Assert.All(requests, r => Assert.Equal("/v1/traces", r.Path));
        Assert.All(requests, r => Assert.Equal("application/x-protobuf", r.ContentType));
        Assert.Contains("service.name=millionx-pipeline", collector.ResourceStrings());

        var spans = collector.Spans();
        var embeddingSpans = spans.Where(s => s.Name == "process embedding-service").ToList();
        Assert.NotEmpty(embeddingSpans);
        Assert.All(embeddingSpans, s => Assert.Equal(5, s.Kind)); // SPAN_KIND_CONSUMER
        Assert.All(embeddingSpans, s => Assert.Matches("^[0-9a-f]{32}$", s.TraceId));
        // At least one exported trace runs from the source's send span to the embedding stage.
        var sources = spans.Where(s => s.Name.StartsWith("send source.social.", StringComparison.Ordinal) && s.ParentSpanId.Length == 0).ToList();
        Assert.All(sources, s => Assert.Equal(4, s.Kind)); // SPAN_KIND_PRODUCER
        Assert.Contains(embeddingSpans, e => sources.Any(s => s.TraceId == e.TraceId));
        Assert.Contains(spans, s => s.Name == "process privacy-shield" && s.ParentSpanId.Length == 16);
    }

    /// <summary>The in-memory exporter adds from the exporting thread while the test reads.</summary>
    private sealed class LockedList<T> : Collection<T>
    {
        private readonly Lock _gate = new();

        public T[] Snapshot()
        {
            lock (_gate)
            {
                return [.. Items];
            }
        }

        protected override void InsertItem(int index, T item)
        {
            lock (_gate)
            {
                base.InsertItem(index, item);
            }
        }
    }
}
