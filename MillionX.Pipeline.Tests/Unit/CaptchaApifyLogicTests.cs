using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using MillionX.Pipeline.Stages.SocialScrapers;

namespace MillionX.Pipeline.Tests.Unit;

/// <summary>The pure parts of the CAPTCHA solver and the Apify client: what they read from pages and answers, what they send.</summary>
public sealed class CaptchaApifyLogicTests
{
    [Theory]
    [InlineData("""{"kind":"recaptcha","siteKey":"6Lc-key","callback":"onOk"}""", CaptchaKind.RecaptchaV2, "6Lc-key", "onOk")]
    [InlineData("""{"kind":"hcaptcha","siteKey":"f7de-key","callback":null}""", CaptchaKind.HCaptcha, "f7de-key", null)]
    [InlineData("""{"kind":"image","siteKey":null,"callback":null}""", CaptchaKind.ImageToText, null, null)]
    public void ChallengeFrom_FoundWidget_ReadsKindKeyAndCallback(string json, CaptchaKind kind, string? key, string? callback)
    {
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(new CaptchaChallenge(kind, key, callback), CaptchaChallenge.From(doc.RootElement));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("""{"kind":"recaptcha","siteKey":""}""")]
    [InlineData("""{"kind":"slider"}""")]
    public void ChallengeFrom_NothingSolvable_ReturnsNull(string json)
    {
        using var doc = JsonDocument.Parse(json);
        Assert.Null(CaptchaChallenge.From(doc.RootElement));
    }

    [Fact]
    public void TaskJson_EachKind_IsTheDocumentedTaskObject()
    {
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"RecaptchaV2TaskProxyless","websiteURL":"https://a/","websiteKey":"k"}"""),
            CaptchaServiceClient.TaskJson(new CaptchaTask(CaptchaKind.RecaptchaV2, "https://a/", "k"))));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"HCaptchaTaskProxyless","websiteURL":"https://a/","websiteKey":"k"}"""),
            CaptchaServiceClient.TaskJson(new CaptchaTask(CaptchaKind.HCaptcha, "https://a/", "k"))));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"ImageToTextTask","body":"aGk="}"""),
            CaptchaServiceClient.TaskJson(new CaptchaTask(CaptchaKind.ImageToText, ImageBase64: "aGk="))));
    }

    [Theory]
    [InlineData("none", CaptchaProvider.None)]
    [InlineData("", CaptchaProvider.None)]
    [InlineData("2captcha", CaptchaProvider.TwoCaptcha)]
    [InlineData("AntiCaptcha", CaptchaProvider.AntiCaptcha)]
    [InlineData("anti-captcha", CaptchaProvider.AntiCaptcha)]
    public void TryParseProvider_KnownNames_Parse(string name, CaptchaProvider expected)
    {
        Assert.True(CaptchaOptions.TryParseProvider(name, out var p));
        Assert.Equal(expected, p);
    }

    [Theory]
    [InlineData("capsolver", null, "Provider")]
    [InlineData("2captcha", "", "ApiKey is required")]
    [InlineData("anticaptcha", "ftp://x", "BaseUrl")]
    public void CaptchaOptionsValidate_Bad_NamesTheSettingNotTheKey(string provider, string? baseUrl, string named)
    {
        var o = new CaptchaOptions { Provider = provider, ApiKey = named.StartsWith("ApiKey", StringComparison.Ordinal) ? "" : "hunter2-key", BaseUrl = baseUrl ?? "" };
        var errors = o.Validate(new ValidationContext(o)).Select(e => e.ErrorMessage!).ToList();
        Assert.Contains(errors, e => e.Contains(named, StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public void RunInput_Platforms_PutKeywordsAndLimitsUnderTheConfiguredFields()
    {
        var o = new ApifyOptions { MaxItems = 120, FacebookKeywordsField = "queries", FacebookPerKeywordField = "" };
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"searchQueries":["a b","c"],"maxItems":120,"resultsPerPage":40}"""),
            ApifyClient.RunInput(o, SocialPlatform.TikTok, ["a b", "c"], 40)));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"queries":["a b"],"maxItems":120}"""),
            ApifyClient.RunInput(o, SocialPlatform.Facebook, ["a b"], 40)));
    }

    [Theory]
    [InlineData("""{"id":"r1","status":"SUCCEEDED","defaultDatasetId":"d1","usageTotalUsd":0.125}""", "r1", "SUCCEEDED", "d1", 0.125)]
    [InlineData("""{"id":"r2","status":"RUNNING","defaultDatasetId":"d2"}""", "r2", "RUNNING", "d2", 0)]
    public void ParseRun_RunObject_ReadsIdStatusDatasetAndUsage(string json, string id, string status, string dataset, double usd) =>
        Assert.Equal(new ApifyRun(id, status, dataset, (decimal)usd), ApifyClient.ParseRun(JsonNode.Parse(json) as JsonObject));

    [Theory]
    [InlineData("""{"status":"RUNNING"}""")]
    [InlineData("""{"id":7,"status":"RUNNING"}""")]
    public void ParseRun_NoIdOrStatus_ReturnsNull(string json) => Assert.Null(ApifyClient.ParseRun(JsonNode.Parse(json) as JsonObject));

    [Theory]
    [InlineData("2026-12-05 1.5", 1.5)]
    [InlineData("2026-12-04 9.0", 0)]
    [InlineData(null, 0)]
    [InlineData("garbage", 0)]
    public void ParseSpend_Checkpoint_CountsOnlyToday(string? value, double expected) =>
        Assert.Equal((decimal)expected, ApifyClient.ParseSpend(value, "2026-12-05"));
}
