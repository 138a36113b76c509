namespace MillionX.Pipeline.Stages.WeatherSource;

/// <summary><c>Stages:weather</c>: current weather per city from OpenWeatherMap. The API key comes from env <c>Stages__weather__ApiKey</c>.</summary>
public sealed class WeatherOptions : IValidatableObject
{
    public const string Section = "Stages:weather";
    public const string ApiKeyEnvironmentVariable = "Stages__weather__ApiKey";

    public static readonly IReadOnlyList<string> DefaultCities = ["Dhaka", "Chittagong", "Sylhet", "Khulna", "Rajshahi"];

    public string BaseUrl { get; set; } = "https://api.openweathermap.org";

    public string ApiKey { get; set; } = "";

    /// <summary>Cities to fetch; empty means <see cref="DefaultCities"/>.</summary>
    /// <remarks>No initialiser: the configuration binder appends to a pre-filled list instead of replacing it.</remarks>
    public List<string> Cities { get; set; } = [];

    /// <summary>ISO 3166 country code sent with every city (<c>q={city},BD</c>).</summary>
    public string CountryCode { get; set; } = "BD";

    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    public IReadOnlyList<string> CitiesOrDefault() =>
        Cities.Count == 0 ? DefaultCities : Cities.Select(c => c.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ApiKey))
        {
            yield return new ValidationResult($"Stages:weather:ApiKey is not set (env {ApiKeyEnvironmentVariable}); the weather source needs an OpenWeatherMap API key.", [nameof(ApiKey)]);
        }

        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            yield return new ValidationResult("Stages:weather:BaseUrl must be an absolute URL such as https://api.openweathermap.org.", [nameof(BaseUrl)]);
        }

        if (Cities.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("Stages:weather:Cities has an empty entry.", [nameof(Cities)]);
        }

        if (Interval <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Stages:weather:Interval must be positive.", [nameof(Interval)]);
        }
    }
}
