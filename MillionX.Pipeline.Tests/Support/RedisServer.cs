using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>A real redis-server (Debian's package, installed by .ci/run) on a free loopback port, in a temporary directory.</summary>
public sealed class RedisServer : IDisposable
{
    private Process? _process;

    private readonly string _dir = Directory.CreateTempSubdirectory("redis-").FullName;

    public RedisServer()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Start();
    }

    public int Port { get; }

    public string Connection => $"127.0.0.1:{Port}";

    public void Start()
    {
        var exe = DebianPackages.Require("/usr/bin/redis-server", "redis-server");
        var psi = new ProcessStartInfo(exe)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Append-only file with fsync on every write, so a stop and start (an outage) keeps the data, as in production.
        foreach (var a in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", _dir, "--protected-mode", "yes" })
        {
            psi.ArgumentList.Add(a);
        }

        try
        {
            _process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("redis-server is not installed: `apt-get install -y redis-server` (.ci/run does this).", ex);
        }

        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var until = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < until)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new InvalidOperationException($"redis-server did not listen on {Port}");
    }

    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open, commands sent to it wait unanswered.</summary>
    public void Pause() => Signal("-STOP");

    /// <summary>Lets a paused server run again (SIGCONT); it then answers what was sent meanwhile.</summary>
    public void Resume() => Signal("-CONT");

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", [signal, _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill {signal} redis-server failed ({kill.ExitCode})");
        }
    }

    public void Dispose()
    {
        Stop();
        Directory.Delete(_dir, recursive: true);
    }
}
