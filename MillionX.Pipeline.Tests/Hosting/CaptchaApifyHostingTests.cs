using Microsoft.Extensions.Options;
using MillionX.Pipeline.Stages.SocialScrapers;

namespace MillionX.Pipeline.Tests.Hosting;

/// <summary><c>Scraping:Captcha</c> picks the solver; bad <c>Scraping:Captcha</c> and <c>Scraping:Apify</c> values fail at start.</summary>
public sealed class CaptchaApifyHostingTests
{
    private static IHost Build(params (string Key, string Value)[] extra)
    {
        var config = TestConfig.Quiet();
        foreach (var (k, v) in extra)
        {
            config[k] = v;
        }

        return RunCommand.Build(CommandLine.Parse(["--role", "tiktok-scraper"]), config);
    }

    [Fact]
    public void Build_NoProvider_RegistersTheSolverThatSolvesNothing()
    {
        using var host = Build();
        Assert.IsType<NoCaptchaSolver>(host.Services.GetRequiredService<ICaptchaSolver>());
    }

    [Theory]
    [InlineData("2captcha")]
    [InlineData("anticaptcha")]
    public void Build_Provider_RegistersTheServiceSolver(string provider)
    {
        using var host = Build(("Scraping:Captcha:Provider", provider), ("Scraping:Captcha:ApiKey", "k"));
        Assert.IsType<ServiceCaptchaSolver>(host.Services.GetRequiredService<ICaptchaSolver>());
    }

    [Theory]
    [InlineData("Scraping:Captcha:Provider", "deathbycaptcha", "Scraping:Captcha:Provider")]
    [InlineData("Scraping:Captcha:Provider", "2captcha", "Scraping:Captcha:ApiKey")]
    [InlineData("Scraping:Apify:MemoryMbytes", "1000", "Scraping:Apify:MemoryMbytes")]
    [InlineData("Scraping:Apify:WaitForFinishSeconds", "120", "WaitForFinishSeconds")]
    [InlineData("Scraping:Apify:DailyCostCapUsd", "-1", "DailyCostCapUsd")]
    public async Task Start_InvalidOptions_FailsAtStartNamingTheSetting(string key, string value, string named)
    {
        using var host = Build((key, value), ("Scraping:Apify:Token", "hunter2-token"));
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }
}
