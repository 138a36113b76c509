using System.ComponentModel.DataAnnotations;
using MillionX.Pipeline.Stages.DarazSync;
using MillionX.Pipeline.Stages.WeatherSource;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class DarazOptionsTests
{
    private static List<string> Errors(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage!).ToList();
    }

    [Fact]
    public void Validate_NoCredentials_NamesEachSettingAndItsEnvironmentVariable()
    {
        var errors = Errors(new DarazOptions());
        Assert.Equal(4, errors.Count);
        foreach (var key in new[] { "AppKey", "AppSecret", "AccessToken", "MerchantId" })
        {
            Assert.Contains(errors, e => e.Contains($"Stages:daraz-sync:{key} is not set (env Stages__daraz-sync__{key})", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Validate_Complete_NoErrorsAndSecretsNeverInMessages()
    {
        var o = new DarazOptions { AppKey = "501234", AppSecret = "top-secret", AccessToken = "token-123", MerchantId = "M-1" };
        Assert.Empty(Errors(o));
        o.PageSize = 101;
        var error = Assert.Single(Errors(o));
        Assert.Contains("PageSize", error, StringComparison.Ordinal);
        Assert.DoesNotContain("top-secret", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WeatherWithoutApiKey_NamesTheEnvironmentVariable()
    {
        var error = Assert.Single(Errors(new WeatherOptions()));
        Assert.Contains("Stages__weather__ApiKey", error, StringComparison.Ordinal);
    }

    [Fact]
    public void CitiesOrDefault_NoneConfigured_TheFiveCities()
    {
        Assert.Equal(["Dhaka", "Chittagong", "Sylhet", "Khulna", "Rajshahi"], new WeatherOptions().CitiesOrDefault());
        Assert.Equal(["Barishal"], new WeatherOptions { Cities = ["Barishal"] }.CitiesOrDefault());
    }
}
