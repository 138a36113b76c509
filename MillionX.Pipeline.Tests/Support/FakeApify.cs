using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>One request the fake received, as it saw it.</summary>
public sealed record FakeApifyRequest(string Method, string Path, IReadOnlyDictionary<string, string> Query, string? Authorization, JsonObject? Body);

/// <summary>
/// How the next started run behaves: the statuses successive <c>GET /v2/actor-runs/{id}</c> answer (the last one stays),
/// what it cost (<c>usageTotalUsd</c>) and its dataset items (default <see cref="FakeSocialSite.Apify"/>).
/// </summary>
public sealed record FakeApifyRun(string[] Statuses, decimal UsageUsd, IReadOnlyList<FakeCard>? Items = null);

/// <summary>
/// A stand-in for the Apify API v2 on Kestrel, speaking what docs.apify.com documents: <c>POST /v2/acts/{actorId}/runs</c>
/// (query <c>memory</c>, <c>timeout</c>, <c>maxItems</c>, <c>waitForFinish</c>; the body is the run input) answers 201 with
/// <c>{data: run}</c> in status READY; <c>GET /v2/actor-runs/{runId}?waitForFinish=</c> moves through the scripted
/// statuses; <c>POST /v2/actor-runs/{runId}/abort</c> aborts; <c>GET /v2/datasets/{id}/items?format=json&amp;clean=true</c>
/// returns the run's items (TikTok items as clockworks~tiktok-scraper writes them, Facebook ones as
/// apify~facebook-posts-scraper). An older finished run exists from the start, reachable through
/// <c>/v2/acts/{actorId}/runs/last/dataset/items</c> and its dataset: a client that reads it shows up in the requests.
/// Token: <c>Authorization: Bearer</c> or <c>?token=</c>, else 401. Breaches recorded: <c>waitForFinish</c> over 60, a
/// dataset read before its run SUCCEEDED, a dataset read without <c>format=json</c>/<c>clean=true</c>, a run input
/// that is not a JSON object.
/// </summary>
public sealed class FakeApify : FakeApiServer<FakeApifyRequest>
{
    public const string Token = "apify-test-token";
    public const string OldRunId = "OldRun0000000001";
    public const string OldDatasetId = "OldDataset000001";

    /// <summary>What the older run found: never to be published again as new.</summary>
    public static readonly FakeCard[] OldItems =
    [
        new("7300000000000000061", "old.run", "Old run phone deal", "600", "/oldrun/posts/123456789012361"),
    ];

    private readonly Dictionary<string, Run> _runs = [];
    private readonly ReplyScript<FakeApifyRun> _scripts = new();
    private int _next;

    private sealed class Run(string id, string actor, Queue<string> statuses, decimal usage, IReadOnlyList<FakeCard> items)
    {
        public string Id { get; } = id;
        public string Actor { get; } = actor;
        public string DatasetId { get; } = $"Dataset{id}";
        public Queue<string> Statuses { get; } = statuses;
        public string Status { get; set; } = "READY";
        public decimal Usage { get; } = usage;
        public IReadOnlyList<FakeCard> Items { get; } = items;
        public JsonObject Options { get; set; } = [];
    }

    private FakeApify() => _runs[OldRunId] = new Run(OldRunId, "any", new Queue<string>(), 0.10m, OldItems) { Status = "SUCCEEDED" };

    public string Url => Address;

    public static async Task<FakeApify> StartAsync()
    {
        var fake = new FakeApify();
        await fake.ListenAsync(fake.HandleAsync);
        return fake;
    }

    /// <summary>Behaviour of the next started runs, in order; later ones go RUNNING → SUCCEEDED for 0.05 USD.</summary>
    public void Script(params FakeApifyRun[] runs)
    {
        lock (Gate)
        {
            _scripts.Add(runs);
        }
    }

    /// <summary>Ids of the runs started through the API, in order.</summary>
    public IReadOnlyList<string> StartedRuns
    {
        get
        {
            lock (Gate)
            {
                return _runs.Keys.Where(k => k != OldRunId).Order(StringComparer.Ordinal).ToList();
            }
        }
    }

    public string Status(string runId)
    {
        lock (Gate)
        {
            return _runs[runId].Status;
        }
    }

    public IReadOnlyList<FakeApifyRequest> Calls(string method, string pathPrefix) =>
        Requests.Where(r => r.Method == method && r.Path.StartsWith(pathPrefix, StringComparison.Ordinal)).ToList();

    private async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "";
        var query = ctx.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        JsonObject? body = null;
        var problems = new List<string>();
        if (ctx.Request.Method == "POST" && ctx.Request.ContentLength is > 0 or null)
        {
            try
            {
                body = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted) as JsonObject;
            }
            catch (JsonException)
            {
                // Reported below for run starts.
            }
        }

        var auth = ctx.Request.Headers.Authorization.ToString();
        var seen = new FakeApifyRequest(ctx.Request.Method, path, query, auth.Length > 0 ? auth : null, body);
        if (auth != $"Bearer {Token}" && query.GetValueOrDefault("token") != Token)
        {
            await AnswerAsync(ctx, seen, 401, new JsonObject { ["error"] = new JsonObject { ["type"] = "token-not-valid", ["message"] = "Authentication token is not valid." } }, []);
            return;
        }

        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        int status;
        JsonNode answer;
        lock (Gate)
        {
            (status, answer) = (ctx.Request.Method, parts) switch
            {
                ("POST", ["v2", "acts", var actor, "runs"]) => StartRun(actor, query, body, problems),
                ("GET", ["v2", "actor-runs", var id]) => GetRun(id, query, problems),
                ("POST", ["v2", "actor-runs", var id, "abort"]) => Abort(id),
                ("GET", ["v2", "datasets", var id, "items"]) => Items(id, query, problems),
                ("GET", ["v2", "acts", _, "runs", "last", "dataset", "items"]) => Items(OldDatasetId, query, problems),
                _ => (404, new JsonObject { ["error"] = new JsonObject { ["type"] = "page-not-found" } }),
            };
        }

        await AnswerAsync(ctx, seen, status, answer, problems);
    }

    private (int, JsonNode) StartRun(string actor, Dictionary<string, string> query, JsonObject? input, List<string> problems)
    {
        if (input is null)
        {
            problems.Add("run start: the body (run input) is not a JSON object");
        }

        var script = _scripts.TryTake(out var s) ? s : new FakeApifyRun(["RUNNING", "SUCCEEDED"], 0.05m);
        var id = $"Run{++_next:D13}";
        var run = new Run(id, actor, new Queue<string>(script.Statuses), script.UsageUsd, script.Items ?? FakeSocialSite.Apify)
        {
            Options = new JsonObject
            {
                ["memoryMbytes"] = query.TryGetValue("memory", out var m) ? int.Parse(m, CultureInfo.InvariantCulture) : 1024,
                ["timeoutSecs"] = query.TryGetValue("timeout", out var t) ? int.Parse(t, CultureInfo.InvariantCulture) : 3600,
            },
        };
        _runs[id] = run;
        return (201, new JsonObject { ["data"] = RunJson(run) });
    }

    private (int, JsonNode) GetRun(string id, Dictionary<string, string> query, List<string> problems)
    {
        if (query.TryGetValue("waitForFinish", out var w) && (!int.TryParse(w, out var secs) || secs is < 0 or > 60))
        {
            problems.Add($"GET run {id}: waitForFinish={w} (0-60 allowed)");
        }

        if (!_runs.TryGetValue(id, out var run))
        {
            return (404, new JsonObject { ["error"] = new JsonObject { ["type"] = "record-not-found" } });
        }

        if (run.Statuses.Count > 0)
        {
            run.Status = run.Statuses.Dequeue();
        }

        return (200, new JsonObject { ["data"] = RunJson(run) });
    }

    private (int, JsonNode) Abort(string id)
    {
        if (!_runs.TryGetValue(id, out var run))
        {
            return (404, new JsonObject { ["error"] = new JsonObject { ["type"] = "record-not-found" } });
        }

        run.Statuses.Clear();
        run.Status = "ABORTED";
        return (200, new JsonObject { ["data"] = RunJson(run) });
    }

    private (int, JsonNode) Items(string datasetId, Dictionary<string, string> query, List<string> problems)
    {
        var run = _runs.Values.FirstOrDefault(r => r.DatasetId == datasetId || (r.Id == OldRunId && datasetId == OldDatasetId));
        if (run is null)
        {
            return (404, new JsonObject { ["error"] = new JsonObject { ["type"] = "record-not-found" } });
        }

        if (run.Status != "SUCCEEDED")
        {
            problems.Add($"dataset {datasetId} read while its run was {run.Status}");
        }

        if (query.GetValueOrDefault("format") != "json" || query.GetValueOrDefault("clean") is not ("true" or "1"))
        {
            problems.Add($"dataset {datasetId} read without format=json&clean=true");
        }

        var limit = query.TryGetValue("limit", out var l) ? int.Parse(l, CultureInfo.InvariantCulture) : int.MaxValue;
        var facebook = run.Actor.Contains("facebook", StringComparison.Ordinal);
        var now = DateTimeOffset.UtcNow.AddHours(-1).ToString("O", CultureInfo.InvariantCulture);
        var items = new JsonArray(run.Items.Take(limit).Select(a => (JsonNode?)(facebook
            ? new JsonObject
            {
                ["postId"] = a.FacebookPath![^15..], ["text"] = a.Text, ["user"] = new JsonObject { ["name"] = a.Author },
                ["likes"] = int.Parse(a.Count, CultureInfo.InvariantCulture), ["time"] = now, ["url"] = $"https://www.facebook.com{a.FacebookPath}",
            }
            : new JsonObject
            {
                ["id"] = a.Id, ["text"] = a.Text, ["authorMeta"] = new JsonObject { ["name"] = a.Author },
                ["diggCount"] = int.Parse(a.Count, CultureInfo.InvariantCulture), ["createTimeISO"] = now, ["webVideoUrl"] = $"https://www.tiktok.com/@{a.Author}/video/{a.Id}",
            })).ToArray());
        return (200, items);
    }

    private static JsonObject RunJson(Run run) => new()
    {
        ["id"] = run.Id,
        ["actId"] = run.Actor,
        ["status"] = run.Status,
        ["startedAt"] = "2026-12-05T10:00:00.000Z",
        ["finishedAt"] = run.Status is "SUCCEEDED" or "FAILED" or "TIMED-OUT" or "ABORTED" ? "2026-12-05T10:03:00.000Z" : null,
        ["defaultDatasetId"] = run.DatasetId,
        ["defaultKeyValueStoreId"] = $"Store{run.Id}",
        ["options"] = run.Options.DeepClone(),
        ["usageTotalUsd"] = run.Usage,
    };
}
