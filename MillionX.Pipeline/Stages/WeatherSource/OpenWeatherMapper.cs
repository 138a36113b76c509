using System.Text.Json.Nodes;

namespace MillionX.Pipeline.Stages.WeatherSource;

/// <summary>
/// OpenWeatherMap's current-weather answer (<c>units=metric</c>) as a raw WeatherData record. Pure. A field missing from
/// the answer is left out, so the validation gate dead-letters the record with the reason.
/// </summary>
public static class OpenWeatherMapper
{
    private static readonly string[] RainConditions = ["Rain", "Drizzle", "Thunderstorm"];

    /// <summary>
    /// The plan's rule (<see cref="WeatherRules.IsExtreme"/>: above 40 °C or below 5 °C, wind above 15 m/s, rain or storm),
    /// with rain read the way OpenWeatherMap reports it: a Rain, Drizzle or Thunderstorm condition, or any rain volume.
    /// </summary>
    public static bool IsExtreme(double temperatureC, double windSpeedMs, string condition, double? rainMm) =>
        WeatherRules.IsExtreme(temperatureC, windSpeedMs, condition)
        || RainConditions.Contains(condition, StringComparer.OrdinalIgnoreCase)
        || rainMm > 0;

    /// <summary>The raw record for <paramref name="city"/> (the configured name, not OpenWeatherMap's spelling of it).</summary>
    public static byte[] Map(string city, JsonElement weather)
    {
        var temperature = Number(weather, "main", "temp");
        var humidity = Number(weather, "main", "humidity");
        var wind = Number(weather, "wind", "speed");
        var condition = weather.TryGetProperty("weather", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0
            && list[0].TryGetProperty("main", out var main) && main.ValueKind == JsonValueKind.String
            ? main.GetString()
            : null;
        var rain = Number(weather, "rain", "1h") ?? Number(weather, "rain", "3h");

        var o = new JsonObject { ["city"] = city };
        Put(o, "temperature", temperature);
        if (condition is not null)
        {
            o["condition"] = condition;
        }

        Put(o, "humidity", humidity);
        Put(o, "wind_speed", wind);
        if (Timestamp(weather) is { } ts)
        {
            o["timestamp"] = ts;
        }

        if (temperature is not null && wind is not null && condition is not null)
        {
            o["is_extreme_weather"] = IsExtreme(temperature.Value, wind.Value, condition, rain);
        }

        return Encoding.UTF8.GetBytes(o.ToJsonString());
    }

    /// <summary><c>dt</c> (Unix seconds, UTC) as RFC 3339 in the city's own offset (<c>timezone</c>, seconds from UTC) when given.</summary>
    public static string? Timestamp(JsonElement weather)
    {
        if (!weather.TryGetProperty("dt", out var dt) || dt.ValueKind != JsonValueKind.Number || !dt.TryGetInt64(out var seconds)
            || seconds is < 0 or > 253402300799)
        {
            return null;
        }

        var offset = weather.TryGetProperty("timezone", out var tz) && tz.ValueKind == JsonValueKind.Number && tz.TryGetInt32(out var shift)
            && Math.Abs(shift) <= 14 * 3600 && shift % 60 == 0
            ? TimeSpan.FromSeconds(shift)
            : TimeSpan.Zero;
        var at = DateTimeOffset.FromUnixTimeSeconds(seconds).ToOffset(offset);
        return offset == TimeSpan.Zero
            ? at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
    }

    private static double? Number(JsonElement e, string section, string name) =>
        e.TryGetProperty(section, out var s) && s.ValueKind == JsonValueKind.Object && s.TryGetProperty(name, out var v)
        && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d)
            ? d
            : null;

    private static void Put(JsonObject o, string name, double? value)
    {
        if (value is not null)
        {
            o[name] = value.Value;
        }
    }
}
