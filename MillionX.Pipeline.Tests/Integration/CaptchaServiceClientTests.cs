using System.Diagnostics;
using System.Text.Json.Nodes;
using MillionX.Pipeline.Stages.SocialScrapers;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// The production <see cref="CaptchaServiceClient"/> against <see cref="FakeCaptchaService"/>, speaking 2Captcha's and
/// Anti-Captcha's documented task protocol: create, poll (processing → ready), errors, timeouts, reports.
/// </summary>
public sealed class CaptchaServiceClientTests : IAsyncLifetime
{
    // A 1x1 PNG: the fake checks an image task carries a real PNG in base64.
    private static readonly string Png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    private readonly PlainHttpClientFactory _http = new();
    private FakeCaptchaService? _fake;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_fake is not null)
        {
            await _fake.DisposeAsync();
        }

        _http.Dispose();
    }

    private async Task<CaptchaServiceClient> ClientAsync(FakeCaptchaFlavor flavor, string key = FakeCaptchaService.ValidKey, Action<CaptchaOptions>? configure = null)
    {
        _fake = await FakeCaptchaService.StartAsync(flavor);
        var o = new CaptchaOptions
        {
            Provider = flavor == FakeCaptchaFlavor.TwoCaptcha ? "2captcha" : "anticaptcha", ApiKey = key, BaseUrl = _fake.Url,
            TokenFirstPoll = TimeSpan.FromMilliseconds(300), ImageFirstPoll = TimeSpan.FromMilliseconds(150), PollInterval = TimeSpan.FromMilliseconds(100),
        };
        configure?.Invoke(o);
        return new CaptchaServiceClient(_http.CreateClient("captcha"), CaptchaServiceProfile.For(o.ProviderKind()), o, TimeProvider.System);
    }

    /// <summary>Both services' protocols: every flavor-independent test runs against each.</summary>
    public static TheoryData<FakeCaptchaFlavor> Flavors => new(Enum.GetValues<FakeCaptchaFlavor>());

    [Theory]
    [MemberData(nameof(Flavors))]
    public async Task SolveAsync_Recaptcha_CreatesTaskPollsUntilReadyAtTheDocumentedPaceAndReturnsTokenAndCost(FakeCaptchaFlavor flavor)
    {
        var client = await ClientAsync(flavor);
        _fake!.ProcessingPolls = 2;
        _fake.MinFirstPoll = TimeSpan.FromMilliseconds(290);
        _fake.MinPollGap = TimeSpan.FromMilliseconds(90);

        var solution = await client.SolveAsync(new CaptchaTask(CaptchaKind.RecaptchaV2, "https://www.tiktok.com/search?q=x", FakeSocialSite.RecaptchaSiteKey), CancellationToken.None);

        Assert.Equal(FakeSocialSite.CaptchaToken, solution.Answer);
        Assert.Equal(0.00299m, solution.CostUsd);
        var create = Assert.Single(_fake.Calls("/createTask"));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse($$$"""{"clientKey":"{{{FakeCaptchaService.ValidKey}}}","task":{"type":"RecaptchaV2TaskProxyless","websiteURL":"https://www.tiktok.com/search?q=x","websiteKey":"{{{FakeSocialSite.RecaptchaSiteKey}}}"}}"""),
            create.Body));
        var polls = _fake.Calls("/getTaskResult");
        Assert.Equal(3, polls.Count);
        Assert.All(polls, p => Assert.Equal(solution.TaskId, p.TaskId));
        Assert.Empty(_fake.Violations);
    }

    [Theory]
    [MemberData(nameof(Flavors))]
    public async Task SolveAsync_HcaptchaAndImage_SendTheirTaskTypesAndReadTheirAnswers(FakeCaptchaFlavor flavor)
    {
        var client = await ClientAsync(flavor);
        _fake!.ProcessingPolls = 0;

        var token = await client.SolveAsync(new CaptchaTask(CaptchaKind.HCaptcha, "https://www.facebook.com/", FakeSocialSite.HcaptchaSiteKey), CancellationToken.None);
        var text = await client.SolveAsync(new CaptchaTask(CaptchaKind.ImageToText, ImageBase64: Png), CancellationToken.None);

        Assert.Equal(FakeSocialSite.CaptchaToken, token.Answer);
        Assert.Equal(FakeSocialSite.CaptchaText, text.Answer);
        Assert.Equal(["HCaptchaTaskProxyless", "ImageToTextTask"], _fake.Calls("/createTask").Select(c => c.TaskType));
        Assert.Equal(Png, _fake.Calls("/createTask")[1].Body["task"]!["body"]!.GetValue<string>());
        Assert.Empty(_fake.Violations);
    }

    [Theory]
    [InlineData(FakeCaptchaFlavor.TwoCaptcha, "secret-wrong-key", "ERROR_KEY_DOES_NOT_EXIST")]
    [InlineData(FakeCaptchaFlavor.AntiCaptcha, "secret-wrong-key", "ERROR_KEY_DOES_NOT_EXIST")]
    [InlineData(FakeCaptchaFlavor.TwoCaptcha, FakeCaptchaService.ZeroBalanceKey, "ERROR_ZERO_BALANCE")]
    [InlineData(FakeCaptchaFlavor.AntiCaptcha, FakeCaptchaService.ZeroBalanceKey, "ERROR_ZERO_BALANCE")]
    public async Task SolveAsync_AccountRefused_ThrowsAccountErrorWithoutTheKey(FakeCaptchaFlavor flavor, string key, string code)
    {
        var client = await ClientAsync(flavor, key);

        var ex = await Assert.ThrowsAsync<CaptchaServiceException>(() =>
            client.SolveAsync(new CaptchaTask(CaptchaKind.RecaptchaV2, "https://example.test/", "k"), CancellationToken.None));

        Assert.Equal(code, ex.Code);
        Assert.True(ex.IsAccountError);
        Assert.DoesNotContain(key, ex.ToString(), StringComparison.Ordinal);
        Assert.Empty(_fake!.Calls("/getTaskResult"));
    }

    [Theory]
    [MemberData(nameof(Flavors))]
    public async Task SolveAsync_Unsolvable_ThrowsChallengeErrorNotAccountError(FakeCaptchaFlavor flavor)
    {
        var client = await ClientAsync(flavor);
        _fake!.Outcomes(FakeCaptchaOutcome.Unsolvable);

        var ex = await Assert.ThrowsAsync<CaptchaServiceException>(() =>
            client.SolveAsync(new CaptchaTask(CaptchaKind.RecaptchaV2, "https://example.test/", "k"), CancellationToken.None));

        Assert.Equal("ERROR_CAPTCHA_UNSOLVABLE", ex.Code);
        Assert.False(ex.IsAccountError);
    }

    [Fact]
    public async Task SolveAsync_IncompleteOrUnknownTask_ThrowsTheServiceCode()
    {
        var client = await ClientAsync(FakeCaptchaFlavor.AntiCaptcha);

        var ex = await Assert.ThrowsAsync<CaptchaServiceException>(() =>
            client.SolveAsync(new CaptchaTask(CaptchaKind.ImageToText, ImageBase64: "bm90IGEgcG5n"), CancellationToken.None));

        Assert.Equal("ERROR_TASK_ABSENT", ex.Code);
    }

    [Theory]
    [MemberData(nameof(Flavors))]
    public async Task SolveAsync_NeverReady_EndsWhenTheSolveTimeRunsOut(FakeCaptchaFlavor flavor)
    {
        var client = await ClientAsync(flavor);
        _fake!.Outcomes(FakeCaptchaOutcome.Never);
        _fake.MinFirstPoll = TimeSpan.FromMilliseconds(290);
        _fake.MinPollGap = TimeSpan.FromMilliseconds(90);
        using var solveTime = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            client.SolveAsync(new CaptchaTask(CaptchaKind.RecaptchaV2, "https://example.test/", "k"), solveTime.Token));

        // It ends at the solve time, having kept polling at the asked pace (first after 300 ms, then every 100 ms: up
        // to 18 polls in 2 s). Only a lower bound on the count: a loaded 2-core machine answered 1 poll in a second.
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(6));
        Assert.InRange(_fake.Calls("/getTaskResult").Count, 2, 18);
        Assert.Empty(_fake.Violations);
    }

    [Theory]
    [InlineData(FakeCaptchaFlavor.TwoCaptcha, CaptchaKind.RecaptchaV2, "/reportIncorrect")]
    [InlineData(FakeCaptchaFlavor.TwoCaptcha, CaptchaKind.ImageToText, "/reportIncorrect")]
    [InlineData(FakeCaptchaFlavor.AntiCaptcha, CaptchaKind.RecaptchaV2, "/reportIncorrectRecaptcha")]
    [InlineData(FakeCaptchaFlavor.AntiCaptcha, CaptchaKind.HCaptcha, "/reportIncorrectHcaptcha")]
    [InlineData(FakeCaptchaFlavor.AntiCaptcha, CaptchaKind.ImageToText, "/reportIncorrectImageCaptcha")]
    public async Task ReportIncorrectAsync_SolvedTask_PostsToTheProvidersReportMethod(FakeCaptchaFlavor flavor, CaptchaKind kind, string path)
    {
        var client = await ClientAsync(flavor);
        _fake!.ProcessingPolls = 0;
        var task = kind == CaptchaKind.ImageToText ? new CaptchaTask(kind, ImageBase64: Png) : new CaptchaTask(kind, "https://example.test/", "k");
        var solution = await client.SolveAsync(task, CancellationToken.None);

        await client.ReportIncorrectAsync(kind, solution.TaskId, CancellationToken.None);

        var report = Assert.Single(_fake.Calls(path));
        Assert.Equal(solution.TaskId, report.TaskId);
        Assert.Empty(_fake.Violations);
    }

    [Fact]
    public async Task ReportIncorrectAsync_UnknownTask_ThrowsNoSuchCaptchaId()
    {
        var client = await ClientAsync(FakeCaptchaFlavor.AntiCaptcha);

        var ex = await Assert.ThrowsAsync<CaptchaServiceException>(() => client.ReportIncorrectAsync(CaptchaKind.RecaptchaV2, "12345", CancellationToken.None));

        Assert.Equal("ERROR_NO_SUCH_CAPCHA_ID", ex.Code);
    }

    [Theory]
    [InlineData("""{"gRecaptchaResponse":"tok"}""", CaptchaKind.RecaptchaV2, "tok")]
    [InlineData("""{"token":"tok"}""", CaptchaKind.HCaptcha, "tok")]
    [InlineData("""{"text":"deditur","url":"http://x/1.jpg"}""", CaptchaKind.ImageToText, "deditur")]
    [InlineData("""{"text":""}""", CaptchaKind.ImageToText, null)]
    [InlineData("""{}""", CaptchaKind.RecaptchaV2, null)]
    public void Answer_Solution_ReadsTheKindsField(string solution, CaptchaKind kind, string? expected) =>
        Assert.Equal(expected, CaptchaServiceClient.Answer(kind, JsonNode.Parse(solution)));

    [Theory]
    [InlineData("\"0.00299\"", 0.00299)]
    [InlineData("0.0007", 0.0007)]
    [InlineData("\"n/a\"", null)]
    [InlineData("null", null)]
    public void Cost_StringOrNumber_ParsesUsd(string json, double? expected) =>
        Assert.Equal(expected is null ? null : (decimal)expected.Value, CaptchaServiceClient.Cost(JsonNode.Parse(json)));
}
