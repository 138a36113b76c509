using Microsoft.Playwright;
using Prometheus;

namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>
/// Solves the challenges a solving service can take (reCAPTCHA v2, hCaptcha, text images) through 2Captcha or
/// Anti-Captcha: finds the challenge and its site key on the page, has the service solve it within
/// <see cref="CaptchaOptions.Timeout"/>, puts the answer on the page and continues as the widget would (callback or form
/// submit). When the page still shows a challenge after <see cref="CaptchaOptions.VerifyTimeout"/>, the answer is
/// reported incorrect to the service. An account error (unknown key, zero balance) stops solving for the process.
/// </summary>
public sealed class ServiceCaptchaSolver(CaptchaServiceClient client, CaptchaOptions options, TimeProvider clock, ILogger<ServiceCaptchaSolver> logger) : ICaptchaSolver
{
    /// <summary>Result values: solved, failed (service error, unsolvable), timeout, incorrect (the site refused the answer).</summary>
    public static Counter Solves => Observability.PipelineMetrics.CaptchaSolves;

    public static readonly Counter SpendUsd = Metrics.CreateCounter(
        "millionx_captcha_spend_usd_total", "Estimated spend on CAPTCHA solving: the cost the service reported per solved task, in USD.", "provider");

    private readonly Lock _lock = new();
    private long _solved, _failed, _timedOut, _incorrect, _unsupported;
    private decimal _spent;
    private volatile string? _stoppedBy;

    public long Solved => Interlocked.Read(ref _solved);
    public long Failed => Interlocked.Read(ref _failed);
    public long TimedOut => Interlocked.Read(ref _timedOut);
    public long Incorrect => Interlocked.Read(ref _incorrect);

    /// <summary>Challenges no service task fits (sliders, puzzles); not counted in the solve metric.</summary>
    public long Unsupported => Interlocked.Read(ref _unsupported);

    public decimal SpentUsd
    {
        get
        {
            lock (_lock)
            {
                return _spent;
            }
        }
    }

    public async Task<bool> TrySolveAsync(SocialPlatform platform, IPage page, CancellationToken ct)
    {
        if (_stoppedBy is not null)
        {
            return false;
        }

        var challenge = CaptchaChallenge.From(await page.EvaluateAsync<JsonElement>(CaptchaChallenge.FindScript).WaitAsync(ct));
        if (challenge is null)
        {
            Interlocked.Increment(ref _unsupported);
            logger.LogInformation("{Platform}: challenge of a kind no solving service takes (slider, puzzle); rotating identity", platform);
            return false;
        }

        using var solveTime = CancellationTokenSource.CreateLinkedTokenSource(ct);
        solveTime.CancelAfter(options.Timeout);
        CaptchaSolution solution;
        try
        {
            var task = challenge.Kind == CaptchaKind.ImageToText
                ? new CaptchaTask(CaptchaKind.ImageToText, ImageBase64: Convert.ToBase64String(await page.Locator(CaptchaChallenge.ImageMark).ScreenshotAsync().WaitAsync(solveTime.Token)))
                : new CaptchaTask(challenge.Kind, page.Url, challenge.SiteKey);
            solution = await client.SolveAsync(task, solveTime.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Count(platform, "timeout", ref _timedOut);
            logger.LogWarning("{Platform}: {Provider} did not solve the {Kind} within {Timeout}", platform, client.Profile.Label, challenge.Kind, options.Timeout);
            return false;
        }
        catch (CaptchaServiceException ex)
        {
            Count(platform, "failed", ref _failed);
            if (ex.IsAccountError)
            {
                _stoppedBy = ex.Code;
                logger.LogError("{Platform}: {Provider} refused the account ({Code}); CAPTCHA solving is off until restart", platform, client.Profile.Label, ex.Code);
            }
            else
            {
                logger.LogWarning("{Platform}: {Provider} could not solve the {Kind} ({Code})", platform, client.Profile.Label, challenge.Kind, ex.Code);
            }

            return false;
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidDataException or JsonException)
        {
            Count(platform, "failed", ref _failed);
            logger.LogWarning("{Platform}: {Provider} call failed ({Error})", platform, client.Profile.Label, ex.Message);
            return false;
        }

        Spend(solution.CostUsd);
        await ApplyAsync(page, challenge, solution.Answer, ct);
        if (await ChallengeGoneAsync(page, ct))
        {
            Count(platform, "solved", ref _solved);
            logger.LogInformation("{Platform}: {Kind} solved by {Provider}", platform, challenge.Kind, client.Profile.Label);
            return true;
        }

        Count(platform, "incorrect", ref _incorrect);
        logger.LogWarning("{Platform}: the page still shows a challenge after the {Provider} answer; reporting it incorrect", platform, client.Profile.Label);
        try
        {
            await client.ReportIncorrectAsync(challenge.Kind, solution.TaskId, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or CaptchaServiceException or InvalidDataException or JsonException)
        {
            logger.LogWarning("{Platform}: reporting the incorrect answer failed ({Error})", platform, ex.Message);
        }

        return false;
    }

    private static async Task ApplyAsync(IPage page, CaptchaChallenge challenge, string answer, CancellationToken ct)
    {
        try
        {
            if (challenge.Kind == CaptchaKind.ImageToText)
            {
                await page.Locator(CaptchaChallenge.InputMark).FillAsync(answer).WaitAsync(ct);
                await page.EvaluateAsync<bool>(CaptchaChallenge.SubmitAnswerScript, CaptchaChallenge.InputMark).WaitAsync(ct);
            }
            else
            {
                var kind = challenge.Kind == CaptchaKind.HCaptcha ? "hcaptcha" : "recaptcha";
                await page.EvaluateAsync<string>(CaptchaChallenge.InjectTokenScript, new[] { kind, answer, challenge.Callback }).WaitAsync(ct);
            }
        }
        catch (PlaywrightException ex) when (ex.Message.Contains("Execution context was destroyed", StringComparison.Ordinal))
        {
            // The submit navigated away before the script returned: that is the continuation we wanted.
        }
    }

    /// <summary>Whether the page dropped every challenge element within the verify time (after a navigation or a re-render).</summary>
    private async Task<bool> ChallengeGoneAsync(IPage page, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow() + options.VerifyTimeout;
        const string Selector = $"{BlockDetector.CaptchaSelector}, {CaptchaChallenge.ImageMark}";
        while (true)
        {
            try
            {
                await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded).WaitAsync(ct);
                if (!await page.EvaluateAsync<bool>("(sel) => !!document.querySelector(sel)", Selector).WaitAsync(ct))
                {
                    return true;
                }
            }
            catch (PlaywrightException)
            {
                // Navigating: the old document is gone and the new one not ready yet; look again.
            }

            if (clock.GetUtcNow() >= deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), clock, ct);
        }
    }

    private static void Count(SocialPlatform platform, string result, ref long field)
    {
        Interlocked.Increment(ref field);
        Solves.WithLabels(platform.Label(), result).Inc();
    }

    private void Spend(decimal? cost)
    {
        if (cost is not > 0)
        {
            return;
        }

        lock (_lock)
        {
            _spent += cost.Value;
        }

        SpendUsd.WithLabels(client.Profile.Label).Inc((double)cost.Value);
    }
}
