using MillionX.Pipeline.Stages.SocialScrapers;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// The scraper stages in the host, Debian's Chromium, the fixture site's challenge pages and a fake solving service:
/// the challenge is found, solved through the service's protocol, answered on the page, and the scrape continues.
/// </summary>
[Collection(ScraperCollection.Name)]
public sealed class CaptchaScraperTests : BrokerTest, IAsyncLifetime
{
    private FakeSocialSite _site = null!;
    private FakeCaptchaService? _solver;

    public async Task InitializeAsync()
    {
        DebianPackages.Require("/usr/bin/chromium", "chromium");
        _site = await FakeSocialSite.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _site.DisposeAsync();
        if (_solver is not null)
        {
            await _solver.DisposeAsync();
        }
    }

    private async Task<Dictionary<string, string?>> ConfigAsync(FakeCaptchaFlavor flavor, string platform, params string[] keywords)
    {
        _solver = await FakeCaptchaService.StartAsync(flavor);
        _solver.ProcessingPolls = 1;
        var template = $"/challenge/search?p={platform}&q={{keyword}}";
        return Broker.Config()
            .With("Sources:Once", "true")
            .With("Sources:Checkpoints:Directory", Path.Combine(Path.GetTempPath(), "millionx-tests", Guid.NewGuid().ToString("N")))
            .With("Scraping:TikTokBaseUrl", _site.BaseUrl)
            .With("Scraping:FacebookBaseUrl", _site.BaseUrl)
            .With("Scraping:TikTokSearchPathTemplate", template)
            .With("Scraping:FacebookSearchPathTemplate", template)
            .With("Scraping:MinDelay", "00:00:00")
            .With("Scraping:MaxDelay", "00:00:00")
            .With("Scraping:MaxScrolls", "0") // the challenge pages hold one page of results
            .With("Scraping:NavigationTimeout", "00:00:05")
            .With("Scraping:ResultsTimeout", "00:00:05")
            .With("Scraping:MaxAttemptsPerKeyword", "2")
            .With("Scraping:Captcha:Provider", flavor == FakeCaptchaFlavor.TwoCaptcha ? "2captcha" : "anticaptcha")
            .With("Scraping:Captcha:ApiKey", FakeCaptchaService.ValidKey)
            .With("Scraping:Captcha:BaseUrl", _solver.Url)
            .With("Scraping:Captcha:TokenFirstPoll", "00:00:00.200")
            .With("Scraping:Captcha:ImageFirstPoll", "00:00:00.100")
            .With("Scraping:Captcha:PollInterval", "00:00:00.100")
            // Room for a loaded 2-core machine: a solve includes the image's screenshot, a verify the form's submit and
            // reload in Chromium (3 s each once made an image solve run out and be asked for twice). A solve that is
            // meant to run out gets a shorter time in its test; a refused token waits out the whole verify time.
            .With("Scraping:Captcha:Timeout", "00:00:15")
            .With("Scraping:Captcha:VerifyTimeout", "00:00:06")
            .WithKeywords(keywords);
    }

    private static async Task<(T, ServiceCaptchaSolver)> RunOnceAsync<T>(string role, Dictionary<string, string?> config, Func<IHost, T> inspect)
    {
        using var host = RunCommand.Build(CommandLine.Parse(["--role", role]), config);
        var result = inspect(host);
        var solver = Assert.IsType<ServiceCaptchaSolver>(host.Services.GetRequiredService<ICaptchaSolver>());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await host.RunAsync(timeout.Token);
        Assert.False(timeout.IsCancellationRequested, "the --once run did not finish within 90 s");
        return (result, solver);
    }

    private static double Solves(string platform, string result) => ServiceCaptchaSolver.Solves.WithLabels(platform, result).Value;

    private List<string> PostIds(string topic) => Broker.ReadAll(topic)
        .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.SocialPost)!.PostId).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task TikTokScraper_AntiCaptcha_SolvesRecaptchaHcaptchaAndImageReportsTheRefusedTokenAndSkipsTheSlider()
    {
        var config = await ConfigAsync(FakeCaptchaFlavor.AntiCaptcha, "tiktok", "recaptcha", "hcaptcha", "image", "slider");
        _solver!.Answers("03AFcWeA-a-token-the-site-refuses");
        var before = (Solved: Solves("tiktok", "solved"), Incorrect: Solves("tiktok", "incorrect"), Spend: ServiceCaptchaSolver.SpendUsd.WithLabels("anticaptcha").Value);

        var (stats, solver) = await RunOnceAsync("tiktok-scraper", config, h => h.Services.GetRequiredService<TikTokScraperStage>().Stats);

        // The posts behind each solved challenge were scraped and published; the slider was given up.
        Assert.Equal(
            [FakeSocialSite.ChallengeCards["recaptcha"].Id, FakeSocialSite.ChallengeCards["hcaptcha"].Id, FakeSocialSite.ChallengeCards["image"].Id],
            PostIds(Topics.SocialTiktok));
        Assert.Equal(3, stats.Successes);
        Assert.Equal(1, stats.Failures);

        // What the site received: the refused token (first reCAPTCHA attempt), then the accepted answers.
        Assert.Equal(
            [("recaptcha", "g-recaptcha-response", "03AFcWeA-a-token-the-site-refuses", false), ("recaptcha", "g-recaptcha-response", FakeSocialSite.CaptchaToken, true),
             ("hcaptcha", "h-captcha-response", FakeSocialSite.CaptchaToken, true), ("image", "captcha", FakeSocialSite.CaptchaText, true)],
            _site.ChallengeAnswers.ToArray());

        // What the service received: the page's site keys and URL, a screenshot of the image, one report for the refused token.
        var tasks = _solver.Calls("/createTask");
        Assert.Equal(["RecaptchaV2TaskProxyless", "RecaptchaV2TaskProxyless", "HCaptchaTaskProxyless", "ImageToTextTask"], tasks.Select(t => t.TaskType));
        Assert.Equal(FakeSocialSite.RecaptchaSiteKey, tasks[0].Body["task"]!["websiteKey"]!.GetValue<string>());
        Assert.Equal($"{_site.BaseUrl}/challenge/search?p=tiktok&q=recaptcha", tasks[0].Body["task"]!["websiteURL"]!.GetValue<string>());
        Assert.Equal(FakeSocialSite.HcaptchaSiteKey, tasks[2].Body["task"]!["websiteKey"]!.GetValue<string>());
        var report = Assert.Single(_solver.Calls("/reportIncorrectRecaptcha"));
        Assert.Equal(_solver.Calls("/getTaskResult")[0].TaskId, report.TaskId);
        Assert.Empty(_solver.Violations);

        Assert.Equal(3, solver.Solved);
        Assert.Equal(1, solver.Incorrect);
        Assert.Equal(2, solver.Unsupported);
        Assert.Equal(4 * 0.00299m, solver.SpentUsd);
        Assert.Equal(before.Solved + 3, Solves("tiktok", "solved"));
        Assert.Equal(before.Incorrect + 1, Solves("tiktok", "incorrect"));
        Assert.Equal(before.Spend + (4 * 0.00299), ServiceCaptchaSolver.SpendUsd.WithLabels("anticaptcha").Value, 6);
    }

    [Fact]
    public async Task FacebookScraper_TwoCaptcha_TimeoutAndUnsolvableCountAsSuchThenTheNextAttemptSolves()
    {
        var config = await ConfigAsync(FakeCaptchaFlavor.TwoCaptcha, "facebook", "hcaptcha", "recaptcha");
        config["Scraping:Captcha:Timeout"] = "00:00:05"; // the task that never gets ready runs it out
        // hcaptcha: the task never gets ready (timeout), then the workers give up (unsolvable): keyword given up.
        // recaptcha: the first token is refused by the site (reported), the second passes.
        _solver!.Outcomes(FakeCaptchaOutcome.Never, FakeCaptchaOutcome.Unsolvable);
        _solver.Answers("03AFcWeA-a-token-the-site-refuses");
        var before = (Timeout: Solves("facebook", "timeout"), Failed: Solves("facebook", "failed"), Solved: Solves("facebook", "solved"));

        var (stats, solver) = await RunOnceAsync("facebook-scraper", config, h => h.Services.GetRequiredService<FacebookScraperStage>().Stats);

        Assert.Equal(["123456789012351"], PostIds(Topics.SocialFacebook));
        Assert.Equal(1, stats.Successes);
        Assert.Equal(1, stats.Failures);
        Assert.Equal((1, 1, 1, 1), (solver.TimedOut, solver.Failed, solver.Incorrect, solver.Solved));
        Assert.Single(_solver.Calls("/reportIncorrect"));
        Assert.Equal([false, true], _site.ChallengeAnswers.Select(a => a.Accepted));
        Assert.Empty(_solver.Violations);
        Assert.Equal(before.Timeout + 1, Solves("facebook", "timeout"));
        Assert.Equal(before.Failed + 1, Solves("facebook", "failed"));
        Assert.Equal(before.Solved + 1, Solves("facebook", "solved"));
    }

    [Fact]
    public async Task TikTokScraper_ZeroBalance_StopsAskingTheServiceForTheRestOfTheRun()
    {
        var config = await ConfigAsync(FakeCaptchaFlavor.AntiCaptcha, "tiktok", "recaptcha", "hcaptcha");
        config["Scraping:Captcha:ApiKey"] = FakeCaptchaService.ZeroBalanceKey;
        config["Scraping:MaxAttemptsPerKeyword"] = "1";

        var (stats, solver) = await RunOnceAsync("tiktok-scraper", config, h => h.Services.GetRequiredService<TikTokScraperStage>().Stats);

        Assert.Empty(PostIds(Topics.SocialTiktok));
        Assert.Equal(2, stats.Failures);
        Assert.Single(_solver!.Calls("/createTask"));
        Assert.Equal(1, solver.Failed);
        Assert.Empty(_site.ChallengeAnswers);
    }
}
