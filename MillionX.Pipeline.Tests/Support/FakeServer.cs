using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>
/// The fake servers' shared plumbing: Kestrel on a free 127.0.0.1 port, quiet; JSON answers; a hang that lasts until the
/// client gives up or the fake stops; and a stop bounded by <paramref name="stopTimeout"/> (unbounded when null).
/// </summary>
public abstract class FakeServer(TimeSpan? stopTimeout = null) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;

    /// <summary>The address Kestrel actually bound, e.g. http://127.0.0.1:41234.</summary>
    public string Address { get; private set; } = "";

    /// <summary>Starts Kestrel with every request going to <paramref name="handler"/>.</summary>
    protected Task ListenAsync(RequestDelegate handler) => ListenAsync(app => app.Run(handler));

    /// <summary>Starts Kestrel with the routes <paramref name="map"/> adds.</summary>
    protected async Task ListenAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        map(_app);
        await _app.StartAsync();
        Address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    /// <summary>Never answers: returns when the client gives up or the fake is stopping.</summary>
    protected async Task HangAsync(HttpContext ctx)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, _stopping.Token);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // The client gave up, or the fake is stopping: nothing to answer.
        }
    }

    protected static async Task WriteJsonAsync(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(body.ToJsonString(), ctx.RequestAborted);
    }

    public virtual async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_app is not null)
        {
            using var cts = new CancellationTokenSource(stopTimeout ?? Timeout.InfiniteTimeSpan);
            await _app.StopAsync(cts.Token);
            await _app.DisposeAsync();
        }

        _stopping.Dispose();
    }
}

/// <summary>
/// A fake third-party API: <see cref="FakeServer"/> plus what every such fake records under one lock, the requests it
/// received (<typeparamref name="TRequest"/>, as the fake saw them) and the protocol breaches it noticed.
/// </summary>
public abstract class FakeApiServer<TRequest>(TimeSpan? stopTimeout = null) : FakeServer(stopTimeout)
    where TRequest : class
{
    private readonly List<TRequest> _requests = [];
    private readonly List<string> _violations = [];
    private readonly long _started = Stopwatch.GetTimestamp();

    /// <summary>Guards the fake's own state as well as the requests and violations.</summary>
    protected Lock Gate { get; } = new();

    /// <summary>Every request in the order it was recorded.</summary>
    public IReadOnlyList<TRequest> Requests
    {
        get
        {
            lock (Gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Protocol breaches the fake saw; a well-behaved client leaves this empty.</summary>
    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (Gate)
            {
                return [.. _violations];
            }
        }
    }

    /// <summary>Time since the fake was created, to stamp when a request arrived.</summary>
    protected TimeSpan SinceStart => Stopwatch.GetElapsedTime(_started);

    /// <summary>Records a request (when not null) and any breaches it showed.</summary>
    protected void Record(TRequest? seen, IEnumerable<string>? problems = null)
    {
        lock (Gate)
        {
            if (seen is not null)
            {
                _requests.Add(seen);
            }

            _violations.AddRange(problems ?? []);
        }
    }

    protected void Violation(string problem) => Record(null, [problem]);

    /// <summary>Records the request and its breaches, then answers with a JSON body.</summary>
    protected async Task AnswerAsync(HttpContext ctx, TRequest? seen, int status, JsonNode body, IEnumerable<string> problems)
    {
        Record(seen, problems);
        await WriteJsonAsync(ctx, status, body);
    }

    /// <summary>Records the request, then never answers (see <see cref="FakeServer.HangAsync"/>).</summary>
    protected async Task HangAsync(HttpContext ctx, TRequest seen)
    {
        Record(seen);
        await HangAsync(ctx);
    }
}

/// <summary>
/// Scripted replies queued per key (an API path, a city; one key for a fake with a single queue), taken in order.
/// Not thread-safe: the fake calls it under its lock.
/// </summary>
public sealed class ReplyScript<TReply>(IEqualityComparer<string>? keys = null)
{
    private readonly Dictionary<string, Queue<TReply>> _queues = new(keys ?? StringComparer.Ordinal);

    public void Add(string key, IEnumerable<TReply> replies)
    {
        if (!_queues.TryGetValue(key, out var q))
        {
            _queues[key] = q = new Queue<TReply>();
        }

        foreach (var r in replies)
        {
            q.Enqueue(r);
        }
    }

    public void Add(IEnumerable<TReply> replies) => Add("", replies);

    public bool TryTake(out TReply reply) => TryTake("", out reply);

    public bool TryTake(string? key, out TReply reply)
    {
        if (key is not null && _queues.TryGetValue(key, out var q) && q.Count > 0)
        {
            reply = q.Dequeue();
            return true;
        }

        reply = default!;
        return false;
    }
}
