using System.Collections.Concurrent;

namespace MillionX.Pipeline.Hosting;

public enum StageState
{
    Starting,
    Running,
    Stopped,
    Failed,
}

/// <summary>Live state of one selected stage (for the health endpoint and the progress line).</summary>
public sealed class StageStatus(string name, string reason)
{
    public string Name => name;

    /// <summary>Why this stage runs, e.g. <c>profile 'local'</c> or <c>role flag</c>.</summary>
    public string Reason => reason;

    public StageState State { get; private set; } = StageState.Starting;

    public string? Error { get; private set; }

    public void Running() => State = StageState.Running;

    public void Stopped()
    {
        if (State != StageState.Failed)
        {
            State = StageState.Stopped;
        }
    }

    public void Failed(Exception ex)
    {
        State = StageState.Failed;
        Error = ex.Message;
    }
}

/// <summary>The stages this host runs and their state.</summary>
public sealed class StageRegistry
{
    private readonly ConcurrentDictionary<string, StageStatus> _stages = new(StringComparer.Ordinal);

    public StageStatus Add(string name, string reason) => _stages.GetOrAdd(name, n => new StageStatus(n, reason));

    public StageStatus Get(string name) => _stages.GetOrAdd(name, n => new StageStatus(n, "started directly"));

    /// <summary>The process exit code the stages call for: 1 when any stage failed, else 0.</summary>
    public int ExitCode => _stages.Values.Any(s => s.State == StageState.Failed) ? 1 : 0;

    public IReadOnlyList<StageStatus> All => _stages.Values.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
}
