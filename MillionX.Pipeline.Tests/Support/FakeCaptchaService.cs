using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>Which service's documented endpoints the fake speaks (the task protocol is the same; the report paths differ).</summary>
public enum FakeCaptchaFlavor
{
    TwoCaptcha,
    AntiCaptcha,
}

/// <summary>How the fake answers the next tasks it creates.</summary>
public enum FakeCaptchaOutcome
{
    /// <summary>"processing" for <see cref="FakeCaptchaService.ProcessingPolls"/> polls, then "ready" with the next answer.</summary>
    Solve,

    /// <summary>getTaskResult answers errorId 12, ERROR_CAPTCHA_UNSOLVABLE.</summary>
    Unsolvable,

    /// <summary>Always "processing" (the client's timeout must end it).</summary>
    Never,
}

/// <summary>One request the fake received: the path, the task id asked about (if any) and the task type (createTask).</summary>
public sealed record FakeCaptchaRequest(string Path, string? TaskId, string? TaskType, JsonObject Body, TimeSpan At);

/// <summary>
/// A stand-in for 2Captcha (https://api.2captcha.com, API v2) or Anti-Captcha (https://api.anti-captcha.com) on Kestrel:
/// <c>POST /createTask {clientKey, task}</c> → <c>{errorId: 0, taskId}</c>; <c>POST /getTaskResult {clientKey, taskId}</c> →
/// <c>{errorId: 0, status: "processing"}</c> then <c>{status: "ready", solution: {gRecaptchaResponse | text}, cost: "0.00299"}</c>;
/// reports at <c>/reportIncorrect</c> (2Captcha) or <c>/reportIncorrectRecaptcha</c>, <c>/reportIncorrectHcaptcha</c>,
/// <c>/reportIncorrectImageCaptcha</c> (Anti-Captcha) → <c>{errorId: 0, status: "success"}</c>. Errors as documented:
/// an unknown key → ERROR_KEY_DOES_NOT_EXIST, <see cref="ZeroBalanceKey"/> → ERROR_ZERO_BALANCE, an unknown task id →
/// ERROR_NO_SUCH_CAPCHA_ID, an unsupported or incomplete task → ERROR_TASK_NOT_SUPPORTED / ERROR_TASK_ABSENT. Records
/// breaches: a poll sooner than <see cref="MinFirstPoll"/> after its task or <see cref="MinPollGap"/> after the last
/// poll, a report for a task that was never solved, a request that is not a JSON POST.
/// </summary>
public sealed class FakeCaptchaService : FakeApiServer<FakeCaptchaRequest>
{
    public const string ValidKey = "captcha-test-key";
    public const string ZeroBalanceKey = "captcha-zero-balance-key";
    public const string Cost = "0.00299";

    private readonly FakeCaptchaFlavor _flavor;
    private readonly Dictionary<long, SolveTask> _tasks = [];
    private readonly ReplyScript<string> _answers = new();
    private readonly ReplyScript<FakeCaptchaOutcome> _outcomes = new();
    private long _nextId = 74_372_499_130;

    private sealed class SolveTask(string type, TimeSpan createdAt, FakeCaptchaOutcome outcome)
    {
        public string Type { get; } = type;
        public TimeSpan CreatedAt { get; } = createdAt;
        public FakeCaptchaOutcome Outcome { get; } = outcome;
        public int Polls { get; set; }
        public TimeSpan? LastPoll { get; set; }
        public bool Ready { get; set; }
    }

    private FakeCaptchaService(FakeCaptchaFlavor flavor) => _flavor = flavor;

    public string Url => Address;

    /// <summary>"processing" answers before a task is ready.</summary>
    public int ProcessingPolls { get; set; } = 2;

    /// <summary>The token when none is scripted: the one the fixture site accepts (image tasks answer <see cref="FakeSocialSite.CaptchaText"/>).</summary>
    public string DefaultAnswer { get; set; } = FakeSocialSite.CaptchaToken;

    public TimeSpan MinFirstPoll { get; set; } = TimeSpan.Zero;

    public TimeSpan MinPollGap { get; set; } = TimeSpan.Zero;

    public static async Task<FakeCaptchaService> StartAsync(FakeCaptchaFlavor flavor)
    {
        var fake = new FakeCaptchaService(flavor);
        await fake.ListenAsync(fake.HandleAsync);
        return fake;
    }

    /// <summary>Answers for the next solved tasks, in order.</summary>
    public void Answers(params string[] answers)
    {
        lock (Gate)
        {
            _answers.Add(answers);
        }
    }

    /// <summary>Outcomes for the next created tasks, in order; later ones are solved.</summary>
    public void Outcomes(params FakeCaptchaOutcome[] outcomes)
    {
        lock (Gate)
        {
            _outcomes.Add(outcomes);
        }
    }

    public IReadOnlyList<FakeCaptchaRequest> Calls(string path) => Requests.Where(r => r.Path == path).ToList();

    private static readonly string[] TwoCaptchaReports = ["/reportIncorrect"];
    private static readonly string[] AntiCaptchaReports = ["/reportIncorrectRecaptcha", "/reportIncorrectHcaptcha", "/reportIncorrectImageCaptcha"];

    private async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "";
        JsonObject? body = null;
        try
        {
            body = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted) as JsonObject;
        }
        catch (JsonException)
        {
            // Answered below as a breach.
        }

        if (ctx.Request.Method != "POST" || body is null)
        {
            Violation($"{ctx.Request.Method} {path}: not a JSON POST");
            await WriteJsonAsync(ctx, 400, new JsonObject { ["errorId"] = 1, ["errorCode"] = "ERROR_BAD_REQUEST" });
            return;
        }

        var taskId = body["taskId"]?.ToJsonString();
        var seen = new FakeCaptchaRequest(path, taskId, body["task"]?["type"]?.GetValue<string>(), body, SinceStart);
        var key = body["clientKey"]?.GetValue<string>();
        if (key == ZeroBalanceKey)
        {
            await AnswerAsync(ctx, seen, 200, Error(10, "ERROR_ZERO_BALANCE", "Account has zero or negative balance"), []);
            return;
        }

        if (key != ValidKey)
        {
            await AnswerAsync(ctx, seen, 200, Error(1, "ERROR_KEY_DOES_NOT_EXIST", "Account authorization key not found in the system"), []);
            return;
        }

        var reports = _flavor == FakeCaptchaFlavor.TwoCaptcha ? TwoCaptchaReports : AntiCaptchaReports;
        JsonObject answer;
        var problems = new List<string>();
        lock (Gate)
        {
            answer = path switch
            {
                "/createTask" => Create(body["task"] as JsonObject),
                "/getTaskResult" => Poll(body["taskId"], problems),
                _ when reports.Contains(path) => Report(path, body["taskId"], problems),
                _ => Error(1, "ERROR_UNKNOWN_METHOD", $"no method {path}"),
            };
        }

        await AnswerAsync(ctx, seen, 200, answer, problems);
    }

    private JsonObject Create(JsonObject? task)
    {
        var type = task?["type"]?.GetValue<string>();
        var complete = type switch
        {
            "RecaptchaV2TaskProxyless" or "HCaptchaTaskProxyless" => Has(task!, "websiteURL") && Has(task!, "websiteKey"),
            "ImageToTextTask" => Has(task!, "body") && IsBase64Png(task!["body"]!.GetValue<string>()),
            _ => (bool?)null,
        };
        if (complete is null)
        {
            return Error(_flavor == FakeCaptchaFlavor.AntiCaptcha ? 28 : 1, "ERROR_TASK_NOT_SUPPORTED", $"task type {type} is not supported");
        }

        if (complete is false)
        {
            return Error(_flavor == FakeCaptchaFlavor.AntiCaptcha ? 22 : 1, "ERROR_TASK_ABSENT", "task is incomplete");
        }

        var outcome = _outcomes.TryTake(out var o) ? o : FakeCaptchaOutcome.Solve;
        var id = ++_nextId;
        _tasks[id] = new SolveTask(type!, SinceStart, outcome);
        return new JsonObject { ["errorId"] = 0, ["taskId"] = id };
    }

    private JsonObject Poll(JsonNode? taskId, List<string> problems)
    {
        if (taskId is null || !long.TryParse(taskId.ToJsonString(), out var id) || !_tasks.TryGetValue(id, out var task))
        {
            return Error(16, "ERROR_NO_SUCH_CAPCHA_ID", "Task you are requesting does not exist");
        }

        var now = SinceStart;
        if (task.LastPoll is null && now - task.CreatedAt < MinFirstPoll)
        {
            problems.Add($"task {id}: first poll {(now - task.CreatedAt).TotalMilliseconds:F0} ms after createTask, sooner than {MinFirstPoll.TotalMilliseconds:F0} ms");
        }
        else if (task.LastPoll is { } last && now - last < MinPollGap)
        {
            problems.Add($"task {id}: polled again after {(now - last).TotalMilliseconds:F0} ms, sooner than {MinPollGap.TotalMilliseconds:F0} ms");
        }

        task.LastPoll = now;
        task.Polls++;
        if (task.Outcome == FakeCaptchaOutcome.Unsolvable)
        {
            return Error(12, "ERROR_CAPTCHA_UNSOLVABLE", "Workers could not solve the Captcha");
        }

        if (task.Outcome == FakeCaptchaOutcome.Never || task.Polls <= ProcessingPolls)
        {
            return new JsonObject { ["errorId"] = 0, ["status"] = "processing" };
        }

        var answer = _answers.TryTake(out var a) ? a : task.Type == "ImageToTextTask" ? FakeSocialSite.CaptchaText : DefaultAnswer;
        task.Ready = true;
        var solution = task.Type == "ImageToTextTask"
            ? new JsonObject { ["text"] = answer, ["url"] = "http://127.0.0.1/1/147220556452507.jpg" }
            : new JsonObject { ["gRecaptchaResponse"] = answer };
        return new JsonObject
        {
            ["errorId"] = 0, ["status"] = "ready", ["solution"] = solution, ["cost"] = Cost, ["ip"] = "127.0.0.1",
            ["createTime"] = 1_692_863_536, ["endTime"] = 1_692_863_556, ["solveCount"] = 1,
        };
    }

    private JsonObject Report(string path, JsonNode? taskId, List<string> problems)
    {
        if (taskId is null || !long.TryParse(taskId.ToJsonString(), out var id) || !_tasks.TryGetValue(id, out var task))
        {
            return Error(16, "ERROR_NO_SUCH_CAPCHA_ID", "Task you are requesting does not exist");
        }

        if (!task.Ready)
        {
            problems.Add($"{path}: task {id} was never solved");
        }

        var expected = task.Type switch
        {
            "RecaptchaV2TaskProxyless" => "/reportIncorrectRecaptcha",
            "HCaptchaTaskProxyless" => "/reportIncorrectHcaptcha",
            _ => "/reportIncorrectImageCaptcha",
        };
        if (_flavor == FakeCaptchaFlavor.AntiCaptcha && path != expected)
        {
            problems.Add($"{path}: a {task.Type} is reported at {expected}");
        }

        return new JsonObject { ["errorId"] = 0, ["status"] = "success" };
    }

    private static bool Has(JsonObject o, string name) => o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length > 0;

    private static bool IsBase64Png(string s)
    {
        try
        {
            var bytes = Convert.FromBase64String(s);
            return bytes.Length > 8 && bytes[0] == 0x89 && bytes[1] == (byte)'P' && bytes[2] == (byte)'N' && bytes[3] == (byte)'G';
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static JsonObject Error(int id, string code, string description) =>
        new() { ["errorId"] = id, ["errorCode"] = code, ["errorDescription"] = description };
}
