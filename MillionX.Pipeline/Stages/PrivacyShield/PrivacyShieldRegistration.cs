using MillionX.Pipeline.Hosting;

namespace MillionX.Pipeline.Stages.PrivacyShield;

public static class PrivacyShieldRegistration
{
    public static readonly StageDefinition Definition = new(
        PrivacyShieldStage.StageName, StageKind.Processor,
        "Replaces usernames, phones, e-mails and mentions with keyed hashes; source.* to sink.*.", AddPrivacyShield);

    public static IHostApplicationBuilder AddPrivacyShield(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<Anonymiser>();
        builder.Services.AddSingleton<PrivacyShieldStage>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PrivacyShieldStage>());
        return builder;
    }
}
