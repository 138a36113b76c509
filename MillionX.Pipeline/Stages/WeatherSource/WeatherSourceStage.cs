using System.Net;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Prometheus;

namespace MillionX.Pipeline.Stages.WeatherSource;

/// <summary>
/// Fetches the current weather of every configured city and publishes one WeatherData per city to
/// <c>context.weather</c>. Cities are fetched concurrently, so one failing city neither delays the others nor, through
/// the shared circuit breaker, takes them down with it. Retries are the HTTP client's alone (429, 5xx, timeouts,
/// <c>Sources:Resilience</c>); a city still failing after them is counted and skipped until the next run.
/// </summary>
public sealed class WeatherSourceStage(SourceServices services, IOptions<WeatherOptions> options, IHttpClientFactory httpClients)
    : SourceStage(StageName, services)
{
    public const string StageName = "weather";
    public const string HttpClientName = "openweather";

    internal static readonly Counter CityFailures = Metrics.CreateCounter(
        "millionx_weather_city_failures_total", "Cities whose weather could not be fetched in a run, after every attempt.", "city");

    protected override TimeSpan Interval => options.Value.Interval;

    protected override async Task<SourceRun> RunOnceAsync(CancellationToken ct)
    {
        var o = options.Value;
        var client = new OpenWeatherClient(httpClients.CreateClient(HttpClientName), o);
        var results = await Task.WhenAll(o.CitiesOrDefault().Select(city => FetchAsync(client, city, ct)));
        var records = results.Where(r => r.Raw is not null).Select(r => (r.Raw!, $"openweathermap:{r.City}")).ToList();
        var failed = results.LongCount(r => r.Raw is null);
        var run = records.Count > 0 ? await PublishAsync(SourceKind.Weather, records, ct) : SourceRun.Empty;
        return run with { Failed = failed };
    }

    private async Task<(string City, byte[]? Raw)> FetchAsync(OpenWeatherClient client, string city, CancellationToken ct)
    {
        try
        {
            var weather = await client.GetCurrentAsync(city, ct);
            return (city, OpenWeatherMapper.Map(city, weather));
        }
        catch (OpenWeatherException ex) when (ex.Status == HttpStatusCode.Unauthorized)
        {
            // A bad key fails every city alike: the run fails with the reason instead of five identical warnings.
            throw;
        }
        catch (OpenWeatherException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            Logger.LogWarning("Weather for {City}: {Error}; check Stages:weather:Cities", city, ex.Message);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && IsTransient(ex))
        {
            Logger.LogWarning(ex, "Weather for {City} failed after the HTTP client's retries; skipped this run", city);
        }

        CityFailures.WithLabels(city).Inc();
        return (city, null);
    }

    private static bool IsTransient(Exception ex) =>
        ex is HttpRequestException or TimeoutRejectedException or BrokenCircuitException or OpenWeatherException or JsonException or TaskCanceledException;
}
