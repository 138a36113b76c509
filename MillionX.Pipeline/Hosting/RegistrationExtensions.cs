namespace MillionX.Pipeline.Hosting;

/// <summary>The two lines every stage registration would otherwise repeat.</summary>
public static class RegistrationExtensions
{
    /// <summary>Binds <typeparamref name="T"/> to <paramref name="section"/>, validated by its data annotations at start.</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, string section)
        where T : class =>
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();

    /// <summary>Registers a stage once, as itself (for commands and tests that read its counts) and as a hosted service.</summary>
    public static IHostApplicationBuilder AddStage<TStage>(this IHostApplicationBuilder builder)
        where TStage : class, IHostedService
    {
        builder.Services.AddSingleton<TStage>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TStage>());
        return builder;
    }
}
