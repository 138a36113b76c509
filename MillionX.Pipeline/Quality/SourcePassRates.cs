namespace MillionX.Pipeline.Quality;

/// <summary>
/// Schema validation pass rate per source, from this process's own counters (<see cref="PipelineMetrics"/>: records a
/// source stage read, and those it dead-lettered), over a sliding window. It sees only the sources that run in this
/// process; the cluster-wide figure comes from Prometheus (docs/operations.md has the query).
/// </summary>
public sealed class SourcePassRates
{
    private readonly PipelineMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly HashSet<string> _sources;
    private readonly Queue<Snapshot> _snapshots = new();

    public SourcePassRates(PipelineMetrics metrics, TimeProvider clock)
    {
        _metrics = metrics;
        _clock = clock;
        _sources = JudgedSources();
        // The counters start at zero with the process: the first window reaches back to here.
        _snapshots.Enqueue(new Snapshot(clock.GetUtcNow(), new Dictionary<string, (long, long)>()));
    }

    /// <summary>
    /// The stages whose schema pass rate is judged: every source and <c>ingest</c>, but not <c>sample-source</c>, whose
    /// invalid share is a setting (3 % by default, to exercise the dead-letter path), not a sign of bad data.
    /// </summary>
    internal static HashSet<string> JudgedSources() =>
        new(StageCatalog.All.Where(s => s.Kind == StageKind.Source && s.Name != Stages.SampleSource.SampleSourceStage.StageName).Select(s => s.Name).Append("ingest"),
            StringComparer.Ordinal);

    public IReadOnlyList<QualityCheckResult> Measure(DataQualityOptions options)
    {
        var now = new Snapshot(_clock.GetUtcNow(), _metrics.Stages.Where(s => _sources.Contains(s.Name)).ToDictionary(s => s.Name, s => (s.In, s.DeadLettered)));
        lock (_snapshots)
        {
            // Keep one snapshot at or before the window's start as the baseline, and everything after it.
            var start = now.At - options.SchemaWindow;
            while (_snapshots.Count > 1 && _snapshots.ElementAt(1).At <= start)
            {
                _snapshots.Dequeue();
            }

            var baseline = _snapshots.Peek();
            _snapshots.Enqueue(now);
            var window = $"in the last {QualityPlan.Duration((now.At - baseline.At).TotalSeconds)}";
            return now.Counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c =>
            {
                var (read, dead) = baseline.Counts.GetValueOrDefault(c.Key);
                return QualityPlan.PassRate(c.Key, c.Value.In - read, c.Value.Dead - dead, options, window);
            }).ToList();
        }
    }

    private sealed record Snapshot(DateTimeOffset At, Dictionary<string, (long In, long Dead)> Counts);
}
