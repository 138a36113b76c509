using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.Hosting;
using Prometheus;

namespace MillionX.Pipeline.Observability;

/// <summary>Endpoints a stage adds to the host's HTTP port (webhooks, status pages).</summary>
public interface IEndpointContributor
{
    void Map(WebApplication app);
}

/// <summary>
/// The host's one HTTP port (default 127.0.0.1:9464): <c>/metrics</c> for Prometheus and <c>/health</c> (200 while
/// every selected stage runs, 503 once one failed). Stages contribute more routes through <see cref="IEndpointContributor"/>.
/// </summary>
public sealed class HttpEndpoint(
    IOptions<ObservabilityOptions> options,
    StageRegistry stages,
    IEnumerable<IEndpointContributor> contributors,
    ILogger<HttpEndpoint> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The addresses actually bound (a configured port 0 becomes the real port).</summary>
    public IReadOnlyList<string> Addresses =>
        _app?.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(options.Value.Http.Urls);
        var app = builder.Build();
        app.MapMetrics("/metrics");
        app.MapGet("/health", () =>
        {
            var all = stages.All;
            var healthy = all.All(s => s.State != StageState.Failed);
            var body = JsonSerializer.Serialize(
                new HealthReport(healthy ? "ok" : "failed", all.Select(s => new HealthStage(s.Name, s.State.ToString().ToLowerInvariant(), s.Reason, s.Error)).ToList()),
                ObservabilityJson.Default.HealthReport);
            return Results.Text(body, "application/json", statusCode: healthy ? 200 : 503);
        });
        foreach (var c in contributors)
        {
            c.Map(app);
        }

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new StartupException(
                $"Observability:Http:Urls '{options.Value.Http.Urls}' cannot be bound: {e.Message.TrimEnd('.')}. Choose a free port (0 picks one), or set Observability:Http:Enabled=false.", e);
        }

        _app = app;
        var urls = string.Join(", ", Addresses);
        logger.LogInformation("Metrics on {Url}/metrics, health on {Url}/health, status page on {Url}/status", urls, urls, urls);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

internal sealed record HealthReport(string Status, IReadOnlyList<HealthStage> Stages);

internal sealed record HealthStage(string Name, string State, string Reason, string? Error);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(HealthReport))]
internal sealed partial class ObservabilityJson : System.Text.Json.Serialization.JsonSerializerContext;
