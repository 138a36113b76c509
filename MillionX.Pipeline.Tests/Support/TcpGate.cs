using System.Net;
using System.Net.Sockets;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>
/// A TCP forwarder on a fixed loopback port in front of a test server, so a dependency can be made to refuse connections
/// (the port closed: the client's connect fails with ECONNREFUSED, as when the server is down) and come back on the same
/// address. Connections open at <see cref="Refuse"/> are cut. <see cref="Reset"/> keeps the port open but answers every
/// new connection with a TCP reset, which a test can count (a refused connect reaches no one and cannot be counted).
/// </summary>
public sealed class TcpGate : IDisposable
{
    private readonly int _targetPort;
    private readonly Lock _lock = new();
    private readonly List<TcpClient> _open = [];
    private TcpListener? _listener;
    private long _connections;
    private long _resets;
    private volatile bool _resetting;

    public TcpGate(Uri target)
    {
        _targetPort = target.Port;
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Accept();
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Connections accepted and forwarded so far.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Connections answered with a reset since <see cref="Reset"/>.</summary>
    public long Resets => Interlocked.Read(ref _resets);

    /// <summary>From now until <see cref="Accept"/>, every new connection is accepted and at once reset (RST).</summary>
    public void Reset()
    {
        _resetting = true;
        lock (_lock)
        {
            foreach (var c in _open)
            {
                c.Dispose();
            }

            _open.Clear();
        }
    }

    public bool IsRefusing
    {
        get
        {
            lock (_lock)
            {
                return _listener is null;
            }
        }
    }

    /// <summary>Listens again on the same port.</summary>
    public void Accept()
    {
        _resetting = false;
        lock (_lock)
        {
            if (_listener is not null)
            {
                return;
            }

            var listener = new TcpListener(IPAddress.Loopback, Port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            _listener = listener;
            _ = AcceptLoop(listener);
        }
    }

    /// <summary>Closes the port and cuts the open connections.</summary>
    public void Refuse()
    {
        lock (_lock)
        {
            _listener?.Stop();
            _listener = null;
            foreach (var c in _open)
            {
                c.Dispose();
            }

            _open.Clear();
        }
    }

    public void Dispose() => Refuse();

    private async Task AcceptLoop(TcpListener listener)
    {
        while (true)
        {
            TcpClient inbound;
            try
            {
                inbound = await listener.AcceptTcpClientAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            if (_resetting)
            {
                Interlocked.Increment(ref _resets);
                inbound.LingerState = new LingerOption(true, 0);
                inbound.Dispose();
                continue;
            }

            Interlocked.Increment(ref _connections);
            _ = Forward(inbound);
        }
    }

    private async Task Forward(TcpClient inbound)
    {
        var outbound = new TcpClient();
        lock (_lock)
        {
            _open.Add(inbound);
            _open.Add(outbound);
        }

        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, _targetPort);
            var a = inbound.GetStream();
            var b = outbound.GetStream();
            await Task.WhenAny(a.CopyToAsync(b), b.CopyToAsync(a));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // A cut connection is what Refuse is for.
        }
        finally
        {
            lock (_lock)
            {
                _open.Remove(inbound);
                _open.Remove(outbound);
            }

            inbound.Dispose();
            outbound.Dispose();
        }
    }
}
