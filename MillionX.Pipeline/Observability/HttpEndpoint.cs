using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.HostFiltering;
using Prometheus;

namespace MillionX.Pipeline.Observability;

/// <summary>Endpoints a stage adds to the host's HTTP port (webhooks, status pages).</summary>
public interface IEndpointContributor
{
    void Map(WebApplication app);

    /// <summary>
    /// Addresses of a listener of the contributor's own (for example a webhook published to the internet while the
    /// status page stays on loopback); null or empty maps the routes on the shared port.
    /// </summary>
    string? OwnUrls => null;
}

/// <summary>
/// The host's one HTTP port (default 127.0.0.1:9464): <c>/metrics</c> for Prometheus and <c>/health</c> (200 while
/// every selected stage runs, 503 once one failed). Stages contribute more routes through <see cref="IEndpointContributor"/>,
/// on this port or on a listener of their own. Requests whose Host header is not allowed are refused (400) before any
/// route runs, so a page on another site cannot reach a loopback listener through DNS rebinding.
/// </summary>
public sealed class HttpEndpoint(
    IOptions<ObservabilityOptions> options,
    StageRegistry stages,
    IEnumerable<IEndpointContributor> contributors,
    ILogger<HttpEndpoint> logger) : IHostedService, IAsyncDisposable
{
    private readonly List<(string Urls, WebApplication App)> _apps = [];

    /// <summary>The addresses actually bound by the shared port (a configured port 0 becomes the real port).</summary>
    public IReadOnlyList<string> Addresses => ListenerAddresses(options.Value.Http.Urls);

    /// <summary>The addresses bound by the listener configured with <paramref name="urls"/>.</summary>
    public IReadOnlyList<string> ListenerAddresses(string urls) =>
        _apps.FirstOrDefault(a => a.Urls == urls).App?.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var http = options.Value.Http;
        var shared = Build(http.Urls, HttpOptions.AllowedHostsFor(http.Urls, http.AllowedHosts));
        shared.MapMetrics("/metrics");
        shared.MapGet("/health", () =>
        {
            var all = stages.All;
            var healthy = all.All(s => s.State != StageState.Failed);
            var body = JsonSerializer.Serialize(
                new HealthReport(healthy ? "ok" : "failed", all.Select(s => new HealthStage(s.Name, s.State.ToString().ToLowerInvariant(), s.Reason, s.Error)).ToList()),
                ObservabilityJson.Default.HealthReport);
            return Results.Text(body, "application/json", statusCode: healthy ? 200 : 503);
        });
        _apps.Add((http.Urls, shared));
        foreach (var c in contributors)
        {
            var own = string.IsNullOrWhiteSpace(c.OwnUrls) ? http.Urls : c.OwnUrls;
            var app = _apps.FirstOrDefault(a => a.Urls == own).App;
            if (app is null)
            {
                // A listener of its own is reached by its own callers (Shopify for a webhook): any Host is accepted there.
                app = Build(own, ["*"]);
                _apps.Add((own, app));
            }

            c.Map(app);
        }

        foreach (var (urls, app) in _apps)
        {
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException e)
            {
                await DisposeAsync();
                var setting = urls == http.Urls ? "Observability:Http:Urls" : "The webhook's own listener";
                throw new StartupException(
                    $"{setting} '{urls}' cannot be bound: {e.Message.TrimEnd('.')}. Choose a free port (0 picks one), or set Observability:Http:Enabled=false.", e);
            }
        }

        var bound = string.Join(", ", Addresses);
        logger.LogInformation("Metrics on {Url}/metrics, health on {Url}/health, status page on {Url}/status", bound, bound, bound);
        foreach (var (urls, _) in _apps.Skip(1))
        {
            logger.LogInformation("Own HTTP listener on {Addresses}", string.Join(", ", ListenerAddresses(urls)));
        }
    }

    private static WebApplication Build(string urls, string[] allowedHosts)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(urls);
        builder.Services.Configure<HostFilteringOptions>(o =>
        {
            o.AllowedHosts = allowedHosts;
            o.AllowEmptyHosts = false;
            o.IncludeFailureMessage = false;
        });
        var app = builder.Build();
        app.UseHostFiltering();
        return app;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var (_, app) in _apps)
        {
            await app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, app) in _apps)
        {
            await app.DisposeAsync();
        }

        _apps.Clear();
    }
}

internal sealed record HealthReport(string Status, IReadOnlyList<HealthStage> Stages);

internal sealed record HealthStage(string Name, string State, string Reason, string? Error);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(HealthReport))]
internal sealed partial class ObservabilityJson : System.Text.Json.Serialization.JsonSerializerContext;
