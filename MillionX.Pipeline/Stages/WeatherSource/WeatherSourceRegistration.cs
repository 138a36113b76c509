using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Sources;

namespace MillionX.Pipeline.Stages.WeatherSource;

public static class WeatherSourceRegistration
{
    public static readonly StageDefinition Definition = new(
        WeatherSourceStage.StageName, StageKind.Source,
        "Current weather per city from OpenWeatherMap (Dhaka, Chittagong, Sylhet, Khulna, Rajshahi by default).", AddWeatherSource);

    public static IHostApplicationBuilder AddWeatherSource(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WeatherOptions>().BindConfiguration(WeatherOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.AddSourceInfrastructure();
        builder.AddSourceHttpClient(WeatherSourceStage.HttpClientName);
        builder.Services.AddHostedService<WeatherSourceStage>();
        return builder;
    }
}
