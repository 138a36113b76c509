using MillionX.Pipeline.Stages.DeadLetterMonitor;
using Serilog;
using Serilog.Formatting.Compact;

namespace MillionX.Pipeline.Observability;

public static class ObservabilityExtensions
{
    /// <summary>The text log line; <c>TraceIds</c> (" trace_id=... span_id=...") is there only inside a span.</summary>
    internal const string TextTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext:l}: {Message:lj}{TraceIds}{NewLine}{Exception}";

    /// <summary>Serilog (text or compact JSON), the HTTP endpoint for /metrics and /health, and the progress line.</summary>
    /// <param name="logsToStdErr">Commands whose stdout is their result (ingest, broker) log to stderr.</param>
    public static IHostApplicationBuilder AddPipelineObservability(this IHostApplicationBuilder builder, bool logsToStdErr = false, bool http = true, bool progress = true)
    {
        builder.Services.AddValidatedOptions<ObservabilityOptions>(ObservabilityOptions.Section);
        var format = builder.Configuration[$"{ObservabilityOptions.Section}:LogFormat"] ?? "text";
        builder.AddPipelineTracing();
        builder.Services.AddSingleton<RecentErrors>();
        var text = !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase);
        builder.Services.AddSerilog((sp, lc) =>
        {
            lc.ReadFrom.Configuration(builder.Configuration).Enrich.FromLogContext().Enrich.With(new TraceContextEnricher(text))
                // A configuration mistake at start is printed once, as one line, by the command line (with its stack trace
                // only at Debug); the host's own "Hosting failed to start" event would repeat it with a stack trace.
                .Filter.ByExcluding(e => e.Exception is { } ex && StartupFailures.IsConfigurationMistake(ex) && !e.Level.Equals(Serilog.Events.LogEventLevel.Fatal)
                    && e.Properties.TryGetValue("SourceContext", out var source) && source.ToString() == "\"Microsoft.Extensions.Hosting.Internal.Host\""
                    && !StartupFailures.WantsStackTraces(Environment.GetCommandLineArgs()))
                .WriteTo.Sink(sp.GetRequiredService<RecentErrors>(), Serilog.Events.LogEventLevel.Warning);
            var errorFrom = logsToStdErr ? Serilog.Events.LogEventLevel.Verbose : (Serilog.Events.LogEventLevel?)null;
            if (!text)
            {
                lc.WriteTo.Console(new CompactJsonFormatter(), standardErrorFromLevel: errorFrom);
            }
            else
            {
                lc.WriteTo.Console(
                    outputTemplate: TextTemplate,
                    standardErrorFromLevel: errorFrom,
                    formatProvider: System.Globalization.CultureInfo.InvariantCulture);
            }
        }, preserveStaticLogger: true); // each host logs through its own logger, not the process-wide Log.Logger that a second host would replace

        if (http && builder.Configuration.GetValue($"{ObservabilityOptions.Section}:Http:Enabled", true))
        {
            builder.Services.AddSingleton<HttpEndpoint>();
            builder.Services.AddSingleton(sp => new StatusReporter(
                sp.GetRequiredService<StageRegistry>(), sp.GetRequiredService<PipelineMetrics>(), sp.GetRequiredService<RecentErrors>(),
                sp.GetRequiredService<DeadLetters.DeadLetterMasking>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<DeadLetterLedger>(),
                StatusEndpoints.SearchAvailable(sp)
                    ? new SearchAvailability(true, sp.GetService<IOptions<VectorStoreOptions>>()?.Value.Store, null)
                    : new SearchAvailability(false, null, "this process runs no embedding stage, so it has no vector store or model")));
            builder.Services.AddSingleton<IEndpointContributor, StatusEndpoints>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<HttpEndpoint>());
        }

        if (progress)
        {
            builder.Services.AddHostedService<ProgressReporter>();
        }

        return builder;
    }
}
