using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;
using Prometheus;

namespace MillionX.Pipeline.Hosting;

/// <summary>How a store's HTTP client retries: attempts in all, the backoff between them, the timeout of each attempt.</summary>
public readonly record struct HttpRetryPolicy(int MaxAttempts, TimeSpan InitialBackoff, TimeSpan MaxBackoff, TimeSpan AttemptTimeout);

/// <summary>
/// The retry of the stores' HTTP clients (Snowflake, Weaviate): a named HttpClient whose
/// Microsoft.Extensions.Http.Resilience handler retries the failures the client calls transient, connection failures and
/// attempt timeouts, with exponential backoff and jitter, or after the server's <c>Retry-After</c> (at most the
/// policy's MaxBackoff), on the host's <see cref="TimeProvider"/>. Each retry is logged and counted in
/// <c>millionx_http_retries_total{client}</c>. What is left after the last attempt reaches the client: the last
/// answer, or the exception (<see cref="TimeoutRejectedException"/> for a timeout).
/// </summary>
public static class HttpClientResilience
{
    public static readonly Counter Retries = Metrics.CreateCounter(
        "millionx_http_retries_total", "Requests of the stores' HTTP clients retried after a transient failure (429, 5xx, timeout, connection), by client.", "client");

    private static readonly HttpRequestOptionsKey<bool> SendOnceKey = new("MillionX.SendOnce");

    private static readonly HttpRequestOptionsKey<Action<HttpRequestMessage>> OnResendKey = new("MillionX.OnResend");

    private static readonly HttpRequestOptionsKey<bool> ResendKey = new("MillionX.Resend");

    /// <summary>Sends the request once, without retries: a readiness probe answers now or not at all.</summary>
    public static HttpRequestMessage SendOnce(this HttpRequestMessage request)
    {
        request.Options.Set(SendOnceKey, true);
        return request;
    }

    /// <summary>
    /// What to change on the request right before the handler sends it again (after the backoff): a fresh token,
    /// Snowflake's <c>retry=true</c>. The client that builds the request knows its protocol; the handler only calls this.
    /// </summary>
    public static HttpRequestMessage OnResend(this HttpRequestMessage request, Action<HttpRequestMessage> prepare)
    {
        request.Options.Set(OnResendKey, prepare);
        return request;
    }

    /// <summary>A failure of the connection: besides HttpRequestException, a reset right after the handshake can surface as a bare SocketException, a cut answer as an IOException.</summary>
    public static bool IsConnectionFailure(Exception ex) => ex is HttpRequestException or SocketException or IOException;

    /// <summary>
    /// Registers the named client <paramref name="name"/> with the retry of <paramref name="policy"/> (read from the
    /// container, so it follows the bound options). <paramref name="isTransient"/> says which answers are retried; a
    /// request's <see cref="OnResend"/> runs before it is sent again. Retries are logged through <see cref="ILogger{TClient}"/>.
    /// </summary>
    public static IHttpClientBuilder AddRetryingHttpClient<TClient>(
        this IServiceCollection services, string name, Func<IServiceProvider, HttpRetryPolicy> policy, Func<HttpStatusCode, bool> isTransient)
    {
        // Each attempt has its own timeout in the pipeline; HttpClient's overall 100 s would cut the retries short.
        var client = services.AddHttpClient(name, http => http.Timeout = Timeout.InfiniteTimeSpan);
        client.AddResilienceHandler(name, (pipeline, context) =>
        {
            var p = policy(context.ServiceProvider);
            var clock = context.ServiceProvider.GetRequiredService<TimeProvider>();
            var logger = context.ServiceProvider.GetRequiredService<ILogger<TClient>>();
            var retries = Retries.WithLabels(name);
            pipeline.TimeProvider = clock;
            if (p.MaxAttempts > 1)
            {
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = p.MaxAttempts - 1,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = p.InitialBackoff,
                    MaxDelay = p.MaxBackoff,
                    ShouldHandle = args => ValueTask.FromResult(!IsSendOnce(args.Context) && args.Outcome switch
                    {
                        { Exception: { } ex } => IsConnectionFailure(ex) || ex is TimeoutRejectedException,
                        { Result: { } response } => isTransient(response.StatusCode),
                        _ => false,
                    }),

                    // The library's own Retry-After reading is not capped by MaxDelay; a server asking for an hour is
                    // answered after MaxBackoff instead.
                    ShouldRetryAfterHeader = false,
                    DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, clock, p.MaxBackoff)),
                    OnRetry = args =>
                    {
                        retries.Inc();
                        var request = args.Context.GetRequestMessage();
                        var failure = args.Outcome.Exception is { } ex ? ex.Message : $"HTTP {(int)args.Outcome.Result!.StatusCode}";
                        logger.LogWarning("{Client} {Method} {Path}: attempt {Attempt} of {MaxAttempts} failed ({Failure}); retrying in {Delay:0.000} s",
                            name, request?.Method, request?.RequestUri?.AbsolutePath, args.AttemptNumber + 1, p.MaxAttempts, failure, args.RetryDelay.TotalSeconds);
                        // OnRetry runs before the backoff; the attempt handler prepares the resend after it.
                        request?.Options.Set(ResendKey, true);

                        return default;
                    },
                });
            }

            pipeline.AddTimeout(p.AttemptTimeout);
        });

        client.AddHttpMessageHandler(() => new AttemptHandler());
        return client;
    }

    /// <summary>The server's <c>Retry-After</c> (seconds or a date), clamped to [0, <paramref name="max"/>]; null without one.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeProvider clock, TimeSpan max)
    {
        var header = response?.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - clock.GetUtcNow() : null);
        return delay is { } d ? TimeSpan.FromTicks(Math.Clamp(d.Ticks, 0, max.Ticks)) : null;
    }

    private static bool IsSendOnce(ResilienceContext context) =>
        context.GetRequestMessage()?.Options.TryGetValue(SendOnceKey, out var once) == true && once;

    /// <summary>
    /// Inside the resilience handler, once per attempt: prepares a resend (<see cref="OnResend"/>), and reads the whole
    /// answer, so the attempt's timeout covers reading it and a cut answer is a failed attempt.
    /// </summary>
    private sealed class AttemptHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Options.TryGetValue(ResendKey, out var resend) && resend && request.Options.TryGetValue(OnResendKey, out var prepare))
            {
                prepare(request);
            }

            var response = await base.SendAsync(request, cancellationToken);
            try
            {
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                return response;
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
    }
}
