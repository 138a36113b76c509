using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>The weather the fake reports for one city.</summary>
public sealed record FakeCityWeather(double Temp, double Humidity, double WindSpeed, string Main, string Description, DateTimeOffset Dt, double? Rain1h = null);

public enum FakeWeatherReplyKind
{
    Ok,
    Throttled,
    ServerError,
    Hang,
}

/// <summary>One request the fake received: the city it asked for (null when q was malformed) and the HTTP status answered.</summary>
public sealed record FakeWeatherRequest(string? City, string? Q, int Answer);

/// <summary>
/// OpenWeatherMap's current weather (<c>GET /data/2.5/weather</c>) on Kestrel at http://127.0.0.1:0. Checks what it
/// receives: <c>appid</c> (401 otherwise), <c>units=metric</c> and <c>q={city},BD</c> for a known city (404 otherwise,
/// as the API answers); anything unexpected is listed in <see cref="Violations"/>. Per-city failures can be scripted
/// (429, 5xx, hang) or made permanent.
/// </summary>
public sealed class FakeOpenWeather : FakeApiServer<FakeWeatherRequest>
{
    public const string Path = "/data/2.5/weather";

    private readonly string _apiKey;
    private readonly Dictionary<string, FakeCityWeather> _cities = new(StringComparer.OrdinalIgnoreCase);
    private readonly ReplyScript<FakeWeatherReplyKind> _scripts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _alwaysFail = new(StringComparer.OrdinalIgnoreCase);

    private FakeOpenWeather(string apiKey) => _apiKey = apiKey;

    public string Url => Address;

    public static async Task<FakeOpenWeather> StartAsync(string apiKey)
    {
        var fake = new FakeOpenWeather(apiKey);
        await fake.ListenAsync(fake.HandleAsync);
        return fake;
    }

    public void Set(string city, FakeCityWeather weather)
    {
        lock (Gate)
        {
            _cities[city] = weather;
        }
    }

    /// <summary>Replies for the next requests for <paramref name="city"/>; later ones are answered normally.</summary>
    public void Script(string city, params FakeWeatherReplyKind[] replies)
    {
        lock (Gate)
        {
            _scripts.Add(city, replies);
        }
    }

    /// <summary>Every request for <paramref name="city"/> gets this HTTP status.</summary>
    public void AlwaysFail(string city, int status = 500)
    {
        lock (Gate)
        {
            _alwaysFail[city] = status;
        }
    }

    public int RequestsFor(string city) => Requests.Count(r => string.Equals(r.City, city, StringComparison.OrdinalIgnoreCase));

    private async Task HandleAsync(HttpContext ctx)
    {
        var q = ctx.Request.Query["q"].ToString();
        var comma = q.LastIndexOf(',');
        var city = comma > 0 ? q[..comma] : null;
        var problems = new List<string>();
        if (ctx.Request.Method != "GET" || ctx.Request.Path != Path)
        {
            problems.Add($"unexpected {ctx.Request.Method} {ctx.Request.Path}");
        }

        if (ctx.Request.Query["appid"].ToString() != _apiKey)
        {
            await AnswerAsync(ctx, city, q, 401, Error(401, "Invalid API key. Please see https://openweathermap.org/faq#error401 for more info."),
                [$"appid '{ctx.Request.Query["appid"]}' is not the key"]);
            return;
        }

        if (ctx.Request.Query["units"].ToString() != "metric")
        {
            problems.Add($"units '{ctx.Request.Query["units"]}' is not metric (temperatures would be in Kelvin)");
        }

        if (city is null || q[(comma + 1)..] != "BD")
        {
            problems.Add($"q '{q}' is not {{city}},BD");
        }

        FakeCityWeather? weather;
        FakeWeatherReplyKind reply = FakeWeatherReplyKind.Ok;
        int? always;
        lock (Gate)
        {
            weather = city is null ? null : _cities.GetValueOrDefault(city);
            always = city is null ? null : _alwaysFail.TryGetValue(city, out var s) ? s : null;
            if (_scripts.TryTake(city, out var scripted))
            {
                reply = scripted;
            }
        }

        if (problems.Count > 0)
        {
            await AnswerAsync(ctx, city, q, 400, Error(400, string.Join("; ", problems)), problems);
            return;
        }

        if (weather is null)
        {
            await AnswerAsync(ctx, city, q, 404, Error(404, "city not found"), []);
            return;
        }

        if (always is { } status)
        {
            await AnswerAsync(ctx, city, q, status, Error(status, "Internal error"), []);
            return;
        }

        switch (reply)
        {
            case FakeWeatherReplyKind.Throttled:
                await AnswerAsync(ctx, city, q, 429, Error(429, "Your account is temporary blocked due to exceeding of requests limitation of your subscription type."), []);
                return;
            case FakeWeatherReplyKind.ServerError:
                await AnswerAsync(ctx, city, q, 503, Error(503, "Service unavailable"), []);
                return;
            case FakeWeatherReplyKind.Hang:
                await HangAsync(ctx, new FakeWeatherRequest(city, q, 0));
                return;
        }

        var body = new JsonObject
        {
            ["coord"] = new JsonObject { ["lon"] = 90.4074, ["lat"] = 23.7104 },
            ["weather"] = new JsonArray(new JsonObject { ["id"] = 800, ["main"] = weather.Main, ["description"] = weather.Description, ["icon"] = "01d" }),
            ["base"] = "stations",
            ["main"] = new JsonObject { ["temp"] = weather.Temp, ["feels_like"] = weather.Temp, ["pressure"] = 1012, ["humidity"] = weather.Humidity },
            ["visibility"] = 10000,
            ["wind"] = new JsonObject { ["speed"] = weather.WindSpeed, ["deg"] = 180 },
            ["clouds"] = new JsonObject { ["all"] = 20 },
            ["dt"] = weather.Dt.ToUnixTimeSeconds(),
            ["sys"] = new JsonObject { ["country"] = "BD" },
            ["timezone"] = 21600,
            ["id"] = 1185241,
            ["name"] = city == "Chittagong" ? "Chattogram" : city,
            ["cod"] = 200,
        };
        if (weather.Rain1h is { } rain)
        {
            body["rain"] = new JsonObject { ["1h"] = rain };
        }

        await AnswerAsync(ctx, city, q, 200, body, []);
    }

    private static JsonObject Error(int code, string message) => new() { ["cod"] = code.ToString(CultureInfo.InvariantCulture), ["message"] = message };

    private Task AnswerAsync(HttpContext ctx, string? city, string q, int status, JsonObject body, List<string> problems) =>
        AnswerAsync(ctx, new FakeWeatherRequest(city, q, status), status, body, problems);
}
