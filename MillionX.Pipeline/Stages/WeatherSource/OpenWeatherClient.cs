using System.Net;

namespace MillionX.Pipeline.Stages.WeatherSource;

/// <summary>An OpenWeatherMap answer other than 200 (after the HTTP client's own retries of 429 and 5xx).</summary>
public sealed class OpenWeatherException(string city, HttpStatusCode status, string? apiMessage)
    : Exception($"OpenWeatherMap answered HTTP {(int)status} for '{city}': {apiMessage ?? "(no message)"}{(status == HttpStatusCode.Unauthorized ? $" Check {WeatherOptions.ApiKeyEnvironmentVariable}." : "")}")
{
    public HttpStatusCode Status => status;
}

/// <summary>Current weather by city name: <c>GET /data/2.5/weather?q={city},{country}&amp;units=metric&amp;appid={key}</c>.</summary>
public sealed class OpenWeatherClient(HttpClient http, WeatherOptions options)
{
    public const string Path = "/data/2.5/weather";

    public async Task<JsonElement> GetCurrentAsync(string city, CancellationToken ct)
    {
        var url = $"{options.BaseUrl.TrimEnd('/')}{Path}?q={Uri.EscapeDataString($"{city},{options.CountryCode}")}&units=metric&appid={Uri.EscapeDataString(options.ApiKey)}";
        using var response = await http.GetAsync(url, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new OpenWeatherException(city, response.StatusCode, Message(body));
        }

        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }

    private static string? Message(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
                ? m.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
