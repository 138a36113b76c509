using System.Collections.Concurrent;
using System.Diagnostics;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>The real pipeline binary in its own process, as a user or an orchestrator starts it.</summary>
public sealed class PipelineProcess : IDisposable
{
    private readonly Process _process;

    public PipelineProcess(IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        // Through coreutils' `env --default-signal=INT`, which resets SIGINT to its default and execs dotnet (same pid):
        // a suite started from a script's background job (`( .ci/run & )`) inherits SIGINT ignored (SigIgn 0x6 measured
        // here) and every child would too; the likely reason six Ctrl+C tests waited for stops in such runs.
        var psi = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add("--default-signal=INT");
        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "MillionX.Pipeline.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["Observability__Http__Enabled"] = "false";
        psi.Environment["Warehouse__DuckDb__Path"] = TestConfig.TempDuckDb();
        psi.Environment["Embedding__CacheDirectory"] = TestConfig.PreparedModelCache;
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        _process = new Process { StartInfo = psi };
        _process.Start();

        // Dedicated reader threads, not the thread pool's async reads: with the whole suite running, a starved pool
        // read the pipes too slowly, a chatty child (Verbose logs) blocked writing to a full pipe, and then could not
        // even stop on SIGINT.
        _readers = [Reader(_process.StandardOutput, Stdout, "stdout"), Reader(_process.StandardError, Stderr, "stderr")];
    }

    private readonly Thread[] _readers;

    private Thread Reader(StreamReader from, ConcurrentQueue<string> into, string name)
    {
        var thread = new Thread(() =>
        {
            while (from.ReadLine() is { } line)
            {
                into.Enqueue(line);
            }
        })
        { IsBackground = true, Name = $"pipeline-{_process.Id}-{name}" };
        thread.Start();
        return thread;
    }

    /// <summary>
    /// The <c>broker</c> command in its own process (so pipeline processes can be killed without losing the data),
    /// once it has written the address it serves.
    /// </summary>
    public static async Task<(PipelineProcess Broker, string Address)> StartBrokerAsync(string dir, IDictionary<string, string>? env = null)
    {
        var addressFile = Path.Combine(dir, "broker.address");
        var broker = new PipelineProcess(["broker", "--address-file", addressFile], env);
        Assert.True(await TestConfig.Eventually(() => File.Exists(addressFile) && File.ReadAllText(addressFile).Trim().Length > 0, TimeSpan.FromSeconds(30)), broker.AllOutput);
        return (broker, (await File.ReadAllTextAsync(addressFile)).Trim());
    }

    /// <summary>
    /// Sets <paramref name="env"/> up for a pipeline process the crash tests kill while it loads the warehouse: DuckDB at
    /// <paramref name="duckdb"/>, no sample source, small sink batches (700 records or 200 ms, so a kill lands between
    /// them), at most 1500 records in flight, and a progress line every 250 ms (the tests read the sink's count in it).
    /// </summary>
    public static void KilledSinkEnvironment(IDictionary<string, string> env, string duckdb)
    {
        env["Warehouse__DuckDb__Path"] = duckdb;
        env["Stages__sample-source__Enabled"] = "false";
        env["Stages__warehouse-sink__MaxBatchRecords"] = "700";
        env["Stages__warehouse-sink__DuckDbMaxBatchAge"] = "00:00:00.200";
        env["Observability__ProgressInterval"] = "00:00:00.250";
        env["Kafka__MaxInFlightPerStage"] = "1500";
    }

    /// <summary>Environment for a pipeline process joined to the broker at <paramref name="address"/> (real keys, the shared model cache).</summary>
    public static Dictionary<string, string> ClientEnvironment(string address, string? groupPrefix = null)
    {
        var env = TestConfig.BrokerClientEnvironment;
        env["Kafka__BootstrapServers"] = address;
        env["Kafka__Provisioning__Enabled"] = "false";
        if (groupPrefix is not null)
        {
            env["Kafka__GroupIdPrefix"] = groupPrefix;
        }

        return env;
    }

    public ConcurrentQueue<string> Stdout { get; } = new();

    public ConcurrentQueue<string> Stderr { get; } = new();

    public string AllOutput => string.Join('\n', Stdout) + "\n" + string.Join('\n', Stderr);

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        _process.WaitForExit();
        foreach (var reader in _readers)
        {
            reader.Join(TimeSpan.FromSeconds(5)); // the rest of the output, up to the end of the pipes
        }

        return true;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
