using Serilog.Core;
using Serilog.Events;

namespace MillionX.Pipeline.Observability;

/// <summary>One warning or error as the status page shows it.</summary>
public sealed record RecentLogEvent(DateTimeOffset At, string Level, string Source, string Message, string? Exception, string? TraceId);

/// <summary>
/// A Serilog sink keeping the last <see cref="Capacity"/> warning and error events in memory for the status page.
/// Log lines are written to be safe to show (no secrets, no raw personal data), so the rendered message is kept.
/// </summary>
public sealed class RecentErrors : ILogEventSink
{
    public const int Capacity = 100;
    private readonly RecentLogEvent?[] _ring = new RecentLogEvent?[Capacity];
    private readonly Lock _lock = new();
    private long _written;

    public long Total => Interlocked.Read(ref _written);

    public void Emit(LogEvent logEvent)
    {
        if (logEvent.Level < LogEventLevel.Warning)
        {
            return;
        }

        var source = logEvent.Properties.TryGetValue("SourceContext", out var s) && s is ScalarValue { Value: string name } ? name : "";
        var traceId = logEvent.Properties.TryGetValue(TraceContextEnricher.TraceIdProperty, out var t) && t is ScalarValue { Value: string id }
            ? id
            : logEvent.TraceId?.ToHexString();
        var entry = new RecentLogEvent(
            logEvent.Timestamp,
            logEvent.Level.ToString(),
            source,
            Truncate(logEvent.RenderMessage(CultureInfo.InvariantCulture), 2000),
            logEvent.Exception is null ? null : Truncate($"{logEvent.Exception.GetType().Name}: {logEvent.Exception.Message}", 1000),
            traceId);
        lock (_lock)
        {
            _ring[_written % Capacity] = entry;
            _written++;
        }
    }

    /// <summary>The kept events, newest first.</summary>
    public IReadOnlyList<RecentLogEvent> Snapshot()
    {
        lock (_lock)
        {
            var n = (int)Math.Min(_written, Capacity);
            var list = new List<RecentLogEvent>(n);
            for (var i = 1; i <= n; i++)
            {
                list.Add(_ring[(_written - i) % Capacity]!);
            }

            return list;
        }
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}
