using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.CircuitBreaker;
using Prometheus;

namespace MillionX.Pipeline.Sources;

public static class SourceRegistration
{
    private static readonly Gauge CircuitState = Metrics.CreateGauge(
        "millionx_source_circuit_state", "Circuit breaker of a source's API client: 0 closed, 1 half-open, 2 open.", "client");

    private static readonly Counter Retries = Metrics.CreateCounter(
        "millionx_source_http_retries_total", "Retried calls to external APIs, by client.", "client");

    /// <summary>What every external source shares: checkpoints, the once-coordinator and the stage services. Idempotent.</summary>
    public static IHostApplicationBuilder AddSourceInfrastructure(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(SourceServices)))
        {
            return builder;
        }

        builder.Services.AddValidatedOptions<SourcesOptions>(SourcesOptions.Section);
        builder.Services.AddSingleton<ICheckpointStore>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<SourcesOptions>>().Value.Checkpoints;
            return o.Store == "redis" ? new RedisCheckpointStore(o.RedisConnection, o.RedisKeyPrefix) : new FileCheckpointStore(o.Directory);
        });
        builder.Services.AddSingleton<OnceCoordinator>();
        builder.Services.AddSingleton<SourceServices>();
        return builder;
    }

    /// <summary>
    /// A named HttpClient for one external API behind retry (exponential backoff with jitter, 429/5xx/timeouts), a
    /// circuit breaker and a per-attempt timeout; the breaker's state is the <c>millionx_source_circuit_state</c> gauge.
    /// </summary>
    /// <summary>What an API source stage needs: the shared source services and its resilient HTTP client.</summary>
    public static IServiceCollection AddApiSource(this IHostApplicationBuilder builder, string httpClient)
    {
        builder.AddSourceInfrastructure();
        return builder.AddSourceHttpClient(httpClient).Services;
    }

    public static IHttpClientBuilder AddSourceHttpClient(this IHostApplicationBuilder builder, string name)
    {
        var r = builder.Configuration.GetSection($"{SourcesOptions.Section}:Resilience").Get<ResilienceOptions>() ?? new ResilienceOptions();
        var client = builder.Services.AddHttpClient(name);
        client.AddResilienceHandler(name, pipeline =>
        {
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, r.MaxRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = r.RetryDelay,
                OnRetry = _ =>
                {
                    Retries.WithLabels(name).Inc();
                    return ValueTask.CompletedTask;
                },
            });
            pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = r.BreakerFailureRatio,
                MinimumThroughput = r.BreakerMinimumThroughput,
                SamplingDuration = r.BreakerSamplingDuration,
                BreakDuration = r.BreakerDuration,
                OnOpened = _ => Set(name, 2),
                OnHalfOpened = _ => Set(name, 1),
                OnClosed = _ => Set(name, 0),
            });
            pipeline.AddTimeout(r.AttemptTimeout);
        });
        CircuitState.WithLabels(name).Set(0);
        return client;
    }

    private static ValueTask Set(string name, int state)
    {
        CircuitState.WithLabels(name).Set(state);
        return ValueTask.CompletedTask;
    }

    /// <summary>Whether an exception is the circuit breaker refusing calls (the API is considered down).</summary>
    public static bool IsBrokenCircuit(Exception ex) => ex is BrokenCircuitException;
}
