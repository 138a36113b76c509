using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>The challenge kinds the solving services take as tasks.</summary>
public enum CaptchaKind
{
    /// <summary>Google reCAPTCHA v2 (checkbox or invisible): task <c>RecaptchaV2TaskProxyless</c>, answer <c>solution.gRecaptchaResponse</c>.</summary>
    RecaptchaV2,

    /// <summary>hCaptcha: task <c>HCaptchaTaskProxyless</c>, answer <c>solution.gRecaptchaResponse</c>.</summary>
    HCaptcha,

    /// <summary>A distorted-text image: task <c>ImageToTextTask</c> with the image as base64, answer <c>solution.text</c>.</summary>
    ImageToText,
}

/// <summary>One challenge to solve: the page and site key for token kinds, the image (base64, no data: prefix) for image kinds.</summary>
public sealed record CaptchaTask(CaptchaKind Kind, string? WebsiteUrl = null, string? WebsiteKey = null, string? ImageBase64 = null);

/// <summary>A service's answer: the token or text, the task id (to report it incorrect) and the charged cost in USD when reported.</summary>
public sealed record CaptchaSolution(string TaskId, string Answer, decimal? CostUsd);

/// <summary>The service answered <c>errorId &gt; 0</c>; <see cref="Code"/> is its <c>errorCode</c> (e.g. <c>ERROR_ZERO_BALANCE</c>).</summary>
public sealed class CaptchaServiceException(string code, string message) : Exception(message)
{
    /// <summary>Errors about the account, not the challenge: every further task would fail the same way.</summary>
    private static readonly HashSet<string> AccountErrors =
        ["ERROR_KEY_DOES_NOT_EXIST", "ERROR_WRONG_USER_KEY", "ERROR_ZERO_BALANCE", "ERROR_IP_NOT_ALLOWED", "ERROR_IP_BLOCKED", "ERROR_ACCOUNT_SUSPENDED"];

    public string Code { get; } = code;

    public bool IsAccountError => AccountErrors.Contains(Code);
}

/// <summary>
/// What differs between the two services that speak the same JSON task protocol: name, API root and where an incorrect
/// solution is reported. 2Captcha: one <c>POST /reportIncorrect</c> (https://2captcha.com/api-docs/report-incorrect);
/// Anti-Captcha: one per kind, <c>/reportIncorrectRecaptcha</c>, <c>/reportIncorrectHcaptcha</c>,
/// <c>/reportIncorrectImageCaptcha</c> (https://anti-captcha.com/apidoc/methods/reportIncorrectHcaptcha and siblings).
/// </summary>
public sealed record CaptchaServiceProfile(CaptchaProvider Provider, string Label, string DefaultBaseUrl, Func<CaptchaKind, string> ReportPath)
{
    public static readonly CaptchaServiceProfile TwoCaptcha = new(CaptchaProvider.TwoCaptcha, "2captcha", "https://api.2captcha.com", _ => "/reportIncorrect");

    public static readonly CaptchaServiceProfile AntiCaptcha = new(CaptchaProvider.AntiCaptcha, "anticaptcha", "https://api.anti-captcha.com", kind => kind switch
    {
        CaptchaKind.RecaptchaV2 => "/reportIncorrectRecaptcha",
        CaptchaKind.HCaptcha => "/reportIncorrectHcaptcha",
        _ => "/reportIncorrectImageCaptcha",
    });

    public static CaptchaServiceProfile For(CaptchaProvider provider) => provider switch
    {
        CaptchaProvider.TwoCaptcha => TwoCaptcha,
        CaptchaProvider.AntiCaptcha => AntiCaptcha,
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "no solving service"),
    };
}

/// <summary>
/// The task protocol both services document (2Captcha's API v2 at api.2captcha.com, Anti-Captcha's at
/// api.anti-captcha.com): <c>POST /createTask {clientKey, task}</c> answers <c>{errorId, taskId}</c>; then
/// <c>POST /getTaskResult {clientKey, taskId}</c> answers <c>{status: "processing"}</c> until <c>{status: "ready",
/// solution, cost}</c>, or <c>{errorId &gt; 0, errorCode}</c> (https://anti-captcha.com/apidoc/methods/getTaskResult,
/// https://2captcha.com/api-docs/get-task-result). Polls no faster than the services ask: the first result request
/// after <see cref="CaptchaOptions.TokenFirstPoll"/> (10 s; token tasks take tens of seconds) or
/// <see cref="CaptchaOptions.ImageFirstPoll"/> (5 s), then every <see cref="CaptchaOptions.PollInterval"/> (5 s:
/// 2Captcha's "wait at least 5 seconds and repeat", above Anti-Captcha's 2-3 s). The key only travels in request
/// bodies; it is never logged and no exception message carries it. 2Captcha's legacy in.php/res.php API is not used.
/// </summary>
public sealed class CaptchaServiceClient(HttpClient http, CaptchaServiceProfile profile, CaptchaOptions options, TimeProvider clock)
{
    public const string HttpClientName = "captcha";

    public CaptchaServiceProfile Profile => profile;

    private string BaseUrl => (options.BaseUrl.Length > 0 ? options.BaseUrl : profile.DefaultBaseUrl).TrimEnd('/');

    /// <summary>Creates the task and polls until it is ready; cancel <paramref name="ct"/> to bound the whole solve.</summary>
    public async Task<CaptchaSolution> SolveAsync(CaptchaTask task, CancellationToken ct)
    {
        var created = await PostAsync("/createTask", new JsonObject { ["clientKey"] = options.ApiKey, ["task"] = TaskJson(task) }, ct);
        var taskId = created["taskId"] ?? throw new InvalidDataException($"{profile.Label} createTask: no taskId in the answer");
        var id = taskId.GetValueKind() == JsonValueKind.Number ? taskId.GetValue<long>().ToString(CultureInfo.InvariantCulture) : taskId.GetValue<string>();

        await Task.Delay(task.Kind == CaptchaKind.ImageToText ? options.ImageFirstPoll : options.TokenFirstPoll, clock, ct);
        while (true)
        {
            var result = await PostAsync("/getTaskResult", new JsonObject { ["clientKey"] = options.ApiKey, ["taskId"] = TaskIdJson(id) }, ct);
            var status = result["status"]?.GetValue<string>();
            if (status == "ready")
            {
                var answer = Answer(task.Kind, result["solution"]) ?? throw new InvalidDataException($"{profile.Label} getTaskResult: ready without a solution");
                return new CaptchaSolution(id, answer, Cost(result["cost"]));
            }

            if (status != "processing")
            {
                throw new InvalidDataException($"{profile.Label} getTaskResult: unexpected status '{status}'");
            }

            await Task.Delay(options.PollInterval, clock, ct);
        }
    }

    /// <summary>Tells the service the answer was refused by the site (refunds and worker filtering depend on it).</summary>
    public async Task ReportIncorrectAsync(CaptchaKind kind, string taskId, CancellationToken ct) =>
        await PostAsync(profile.ReportPath(kind), new JsonObject { ["clientKey"] = options.ApiKey, ["taskId"] = TaskIdJson(taskId) }, ct);

    /// <summary>Pure: the documented task object for one challenge.</summary>
    public static JsonObject TaskJson(CaptchaTask task) => task.Kind switch
    {
        CaptchaKind.RecaptchaV2 => new JsonObject { ["type"] = "RecaptchaV2TaskProxyless", ["websiteURL"] = task.WebsiteUrl, ["websiteKey"] = task.WebsiteKey },
        CaptchaKind.HCaptcha => new JsonObject { ["type"] = "HCaptchaTaskProxyless", ["websiteURL"] = task.WebsiteUrl, ["websiteKey"] = task.WebsiteKey },
        _ => new JsonObject { ["type"] = "ImageToTextTask", ["body"] = task.ImageBase64 },
    };

    /// <summary>Pure: the answer inside <c>solution</c> (tokens: <c>gRecaptchaResponse</c>, some hCaptcha answers also <c>token</c>; images: <c>text</c>).</summary>
    public static string? Answer(CaptchaKind kind, JsonNode? solution)
    {
        if (solution is not JsonObject s)
        {
            return null;
        }

        var node = kind == CaptchaKind.ImageToText ? s["text"] : s["gRecaptchaResponse"] ?? s["token"];
        return node?.GetValueKind() == JsonValueKind.String && node.GetValue<string>() is { Length: > 0 } v ? v : null;
    }

    /// <summary>Pure: <c>cost</c> is documented as a number (Anti-Captcha) and sent as a string ("0.00299", both services).</summary>
    public static decimal? Cost(JsonNode? cost) => cost?.GetValueKind() switch
    {
        JsonValueKind.Number => cost.GetValue<decimal>(),
        JsonValueKind.String when decimal.TryParse(cost.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    private static JsonNode TaskIdJson(string id) => long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? JsonValue.Create(n) : JsonValue.Create(id);

    private async Task<JsonObject> PostAsync(string path, JsonObject body, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(BaseUrl + path, body, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{profile.Label} {path}: HTTP {(int)response.StatusCode}", null, response.StatusCode);
        }

        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(ct) ?? throw new InvalidDataException($"{profile.Label} {path}: empty answer");
        var errorId = answer["errorId"]?.GetValueKind() == JsonValueKind.Number ? answer["errorId"]!.GetValue<int>() : 0;
        if (errorId != 0)
        {
            var code = answer["errorCode"]?.GetValueKind() == JsonValueKind.String ? answer["errorCode"]!.GetValue<string>() : $"errorId {errorId}";
            throw new CaptchaServiceException(code, $"{profile.Label} {path}: {code}");
        }

        return answer;
    }
}
