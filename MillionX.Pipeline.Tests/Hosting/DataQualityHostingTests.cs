using Microsoft.Extensions.Options;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Quality;
using MillionX.Pipeline.Stages.DataQuality;

namespace MillionX.Pipeline.Tests.Hosting;

/// <summary>How the real host registers and validates the data-quality stage, from the real appsettings.json.</summary>
public sealed class DataQualityHostingTests
{
    private static IHost Build(string[] args, params (string Key, string? Value)[] extra)
    {
        var config = TestConfig.Quiet();
        foreach (var (k, v) in extra)
        {
            config[k] = v;
        }

        return RunCommand.Build(CommandLine.Parse(args), config);
    }

    [Fact]
    public void Build_RoleDataQuality_RegistersTheStageOnTheConfiguredWarehouse()
    {
        using var host = Build(["--role", "data-quality"]);

        Assert.Single(host.Services.GetServices<IHostedService>().OfType<DataQualityStage>());
        Assert.Equal(["data-quality"], host.Services.GetRequiredService<StageRegistry>().All.Select(s => s.Name));
        Assert.IsType<DuckDbQualityWarehouse>(host.Services.GetRequiredService<IQualityWarehouse>());
    }

    [Theory]
    [InlineData("ingest")]
    [InlineData("stream")]
    [InlineData("sinks")]
    public void Build_ProductionProfiles_DoNotRunDataQuality(string profile)
    {
        using var host = Build(["--profile", profile]);

        Assert.Empty(host.Services.GetServices<IHostedService>().OfType<DataQualityStage>());
    }

    [Fact]
    public void Options_AppSettingsDefaults_AreThePlansThresholds()
    {
        using var host = Build(["--role", "data-quality"]);

        var o = host.Services.GetRequiredService<IOptions<DataQualityOptions>>().Value;
        Assert.Equal(TimeSpan.FromHours(2), o.MaxWeatherAge);
        Assert.Equal(0.98, o.MinSchemaPassRate);
        Assert.Equal(7, o.BaselineDays);
        Assert.Equal(TimeSpan.FromMinutes(5), o.Interval);
        Assert.Equal(1, o.MinRowsPerHour["ORDERS"]);
    }

    [Fact]
    public async Task Start_RateOutOfRange_FailsNamingTheKey()
    {
        using var host = Build(["--role", "data-quality"], ("Stages:data-quality:MinSchemaPassRate", "98"));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("MinSchemaPassRate", ex.Message, StringComparison.Ordinal);
    }
}
