using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Prometheus;

namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>A finished (or given up) Apify run as we saw it.</summary>
public sealed record ApifyRun(string Id, string Status, string? DatasetId, decimal UsageUsd);

/// <summary>
/// The Apify fallback: each use starts a fresh run of the platform's actor with our keywords and limits
/// (<c>POST /v2/acts/{actorId}/runs?memory=&amp;timeout=&amp;maxItems=</c>, the JSON body is the run input), waits for it
/// (<c>GET /v2/actor-runs/{runId}?waitForFinish=</c>, at most 60 s per request, until SUCCEEDED, FAILED, TIMED-OUT or
/// ABORTED; https://docs.apify.com/api/v2/actors-runs-post, https://docs.apify.com/api/v2/actor-run-get), then reads
/// that run's own dataset (<c>GET /v2/datasets/{defaultDatasetId}/items?format=json&amp;clean=true</c>). It never reads
/// "the last run" or a fixed dataset, so an old run is never taken for a new one; the id of the last run read is
/// checkpointed and a run answering with it is refused. Spend is the runs' <c>usageTotalUsd</c>, summed per UTC day in
/// the checkpoint store; no run starts once <see cref="ApifyOptions.DailyCostCapUsd"/> is reached. The token goes in
/// the <c>Authorization: Bearer</c> header (documented alongside <c>?token=</c>), never in a URL or a log line. Status
/// and dataset reads go through the source's resilient client (retries, breaker); starts and aborts are not retried.
/// </summary>
public sealed class ApifyClient(IHttpClientFactory http, IOptions<ScrapingOptions> options, ICheckpointStore checkpoints, TimeProvider clock, ILogger<ApifyClient> logger)
{
    public const string HttpClientName = "apify";

    /// <summary>Starts and aborts: no retries, since a start retried after a lost answer would launch (and bill) a second run.</summary>
    public const string StartHttpClientName = "apify-start";

    /// <summary>Status: succeeded, failed, timed-out, aborted (Apify's terminal statuses), wait-timeout (we aborted it), refused (cost cap).</summary>
    public static readonly Counter RunsTotal = Metrics.CreateCounter("millionx_apify_runs_total", "Apify actor runs, by final status.", "platform", "status");

    public static readonly Counter ItemsTotal = Metrics.CreateCounter("millionx_apify_items_total", "Dataset items read from Apify runs.", "platform");

    public static readonly Counter SpendUsdTotal = Metrics.CreateCounter("millionx_apify_spend_usd_total", "Apify spend: the runs' usageTotalUsd, in USD.", "platform");

    private static readonly HashSet<string> Terminal = ["SUCCEEDED", "FAILED", "TIMED-OUT", "ABORTED"];

    // Both scrapers may share one process: spend is read, added to and written under one gate.
    private readonly SemaphoreSlim _spendGate = new(1, 1);

    private ApifyOptions O => options.Value.Apify;

    /// <summary>Runs the actor for <paramref name="platform"/> with the configured keywords and returns its items; none when refused or the run failed.</summary>
    public async Task<IReadOnlyList<ScrapedCard>> FetchAsync(SocialPlatform platform, CancellationToken ct)
    {
        var label = platform.Label();
        var spent = await SpentTodayAsync(ct);
        if ((decimal)O.DailyCostCapUsd <= spent)
        {
            RunsTotal.WithLabels(label, "refused").Inc();
            logger.LogWarning("{Platform}: Apify run not started: today's spend {Spent:F2} USD reached the cap of {Cap:F2} USD (Scraping:Apify:DailyCostCapUsd)",
                platform, spent, O.DailyCostCapUsd);
            return [];
        }

        var lastKey = $"apify-last-run-{label}";
        var lastRead = await checkpoints.GetAsync(lastKey, ct);
        var run = await StartAsync(platform, ct);
        if (run.Id == lastRead)
        {
            throw new InvalidDataException($"Apify answered the start of a new {label} run with run {run.Id}, which was already read");
        }

        logger.LogInformation("{Platform}: Apify run {RunId} started", platform, run.Id);
        run = await WaitAsync(run, ct);
        await AddSpendAsync(run.UsageUsd, ct);
        SpendUsdTotal.WithLabels(label).Inc((double)run.UsageUsd);
        RunsTotal.WithLabels(label, run.Status.ToLowerInvariant()).Inc();
        if (run.Status != "SUCCEEDED" || run.DatasetId is null)
        {
            logger.LogWarning("{Platform}: Apify run {RunId} ended {Status}; no items taken", platform, run.Id, run.Status);
            return [];
        }

        var cards = await ReadDatasetAsync(platform, run.DatasetId, ct);
        await checkpoints.SetAsync(lastKey, run.Id, ct);
        ItemsTotal.WithLabels(label).Inc(cards.Count);
        logger.LogInformation("{Platform}: Apify run {RunId} gave {Items} items for {Usd:F4} USD", platform, run.Id, cards.Count, run.UsageUsd);
        return cards;
    }

    /// <summary>Pure: the run input, our keywords under the actor's field name plus the item limits.</summary>
    public static JsonObject RunInput(ApifyOptions o, SocialPlatform platform, IReadOnlyList<string> keywords, int postsPerKeyword)
    {
        var tiktok = platform == SocialPlatform.TikTok;
        var input = new JsonObject
        {
            [tiktok ? o.TikTokKeywordsField : o.FacebookKeywordsField] = new JsonArray(keywords.Select(k => (JsonNode?)JsonValue.Create(k)).ToArray()),
            ["maxItems"] = o.MaxItems,
        };
        var perKeyword = tiktok ? o.TikTokPerKeywordField : o.FacebookPerKeywordField;
        if (perKeyword.Length > 0)
        {
            input[perKeyword] = postsPerKeyword;
        }

        return input;
    }

    private async Task<ApifyRun> StartAsync(SocialPlatform platform, CancellationToken ct)
    {
        var o = O;
        var query = new List<string> { $"timeout={(long)Math.Ceiling(o.RunTimeout.TotalSeconds)}", $"maxItems={o.MaxItems}" };
        if (o.MemoryMbytes > 0)
        {
            query.Insert(0, $"memory={o.MemoryMbytes}");
        }

        var input = RunInput(o, platform, options.Value.KeywordsOrDefault(), options.Value.PostsPerKeyword);
        using var request = Request(HttpMethod.Post, $"/v2/acts/{Uri.EscapeDataString(o.ActorId(platform))}/runs?{string.Join('&', query)}");
        request.Content = JsonContent.Create(input);
        return await SendForRunAsync(request, StartHttpClientName, ct);
    }

    private async Task<ApifyRun> WaitAsync(ApifyRun run, CancellationToken ct)
    {
        var o = O;
        var deadline = clock.GetUtcNow() + o.WaitTimeout;
        while (!Terminal.Contains(run.Status))
        {
            if (clock.GetUtcNow() >= deadline)
            {
                using var abort = Request(HttpMethod.Post, $"/v2/actor-runs/{Uri.EscapeDataString(run.Id)}/abort");
                var aborted = await SendForRunAsync(abort, StartHttpClientName, ct);
                logger.LogWarning("Apify run {RunId} still {Status} after {Wait}: aborted", run.Id, run.Status, o.WaitTimeout);
                return aborted with { Status = "WAIT-TIMEOUT" };
            }

            var asked = clock.GetUtcNow();
            using var get = Request(HttpMethod.Get, $"/v2/actor-runs/{Uri.EscapeDataString(run.Id)}?waitForFinish={o.WaitForFinishSeconds}");
            run = await SendForRunAsync(get, HttpClientName, ct);
            if (!Terminal.Contains(run.Status) && clock.GetUtcNow() - asked < TimeSpan.FromSeconds(o.WaitForFinishSeconds))
            {
                // Apify answered before the wait was over without a final status: pause instead of asking again at once.
                await Task.Delay(o.PollInterval, clock, ct);
            }
        }

        return run;
    }

    private async Task<IReadOnlyList<ScrapedCard>> ReadDatasetAsync(SocialPlatform platform, string datasetId, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Get, $"/v2/datasets/{Uri.EscapeDataString(datasetId)}/items?format=json&clean=true&limit={O.MaxItems.ToString(CultureInfo.InvariantCulture)}");
        using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var doc = await JsonDocument.ParseAsync(body, cancellationToken: ct);
        return doc.RootElement.ValueKind != JsonValueKind.Array
            ? throw new InvalidDataException("Apify dataset items: expected a JSON array")
            : doc.RootElement.EnumerateArray().Select(i => ToCard(platform, i)).ToList();
    }

    private HttpRequestMessage Request(HttpMethod method, string pathAndQuery)
    {
        var request = new HttpRequestMessage(method, O.BaseUrl.TrimEnd('/') + pathAndQuery);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", O.Token);
        return request;
    }

    private async Task<ApifyRun> SendForRunAsync(HttpRequestMessage request, string client, CancellationToken ct)
    {
        using var response = await http.CreateClient(client).SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
        return ParseRun(answer?["data"] as JsonObject) ?? throw new InvalidDataException("Apify: the answer holds no run object (data.id, data.status)");
    }

    /// <summary>Pure: the fields we use from a run object.</summary>
    public static ApifyRun? ParseRun(JsonObject? data)
    {
        if (data?["id"] is not JsonValue id || id.GetValueKind() != JsonValueKind.String || data["status"] is not JsonValue status || status.GetValueKind() != JsonValueKind.String)
        {
            return null;
        }

        var dataset = data["defaultDatasetId"] is JsonValue d && d.GetValueKind() == JsonValueKind.String ? d.GetValue<string>() : null;
        var usage = data["usageTotalUsd"] is JsonValue u && u.GetValueKind() == JsonValueKind.Number ? u.GetValue<decimal>() : 0m;
        return new ApifyRun(id.GetValue<string>(), status.GetValue<string>(), dataset, usage);
    }

    private const string SpendKey = "apify-spend-usd";

    private string Today => clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private async Task<decimal> SpentTodayAsync(CancellationToken ct) => ParseSpend(await checkpoints.GetAsync(SpendKey, ct), Today);

    /// <summary>Charges the run to the UTC day it ended on.</summary>
    private async Task AddSpendAsync(decimal usd, CancellationToken ct)
    {
        await _spendGate.WaitAsync(ct);
        try
        {
            var day = Today;
            var spent = ParseSpend(await checkpoints.GetAsync(SpendKey, ct), day) + usd;
            await checkpoints.SetAsync(SpendKey, $"{day} {spent.ToString(CultureInfo.InvariantCulture)}", ct);
        }
        finally
        {
            _spendGate.Release();
        }
    }

    /// <summary>Pure: the checkpoint reads <c>yyyy-MM-dd usd</c>; another day's figure counts as nothing spent today.</summary>
    public static decimal ParseSpend(string? value, string today)
    {
        var parts = value?.Split(' ', 2);
        return parts is [var d, var usd] && d == today && decimal.TryParse(usd, NumberStyles.Float, CultureInfo.InvariantCulture, out var spent) ? spent : 0m;
    }

    /// <summary>
    /// Pure: maps an item of the common actors (clockworks/tiktok-scraper: <c>id, text, authorMeta.name, diggCount,
    /// createTimeISO, webVideoUrl</c>; apify/facebook-posts-scraper: <c>postId, text, user.name/pageName, likes, time, url</c>).
    /// </summary>
    public static ScrapedCard ToCard(SocialPlatform platform, JsonElement item)
    {
        var raw = item.GetRawText();
        var html = raw.Length > SocialPostMapper.MaxHtmlSnippet ? raw[..SocialPostMapper.MaxHtmlSnippet] : raw;
        return platform == SocialPlatform.TikTok
            ? new ScrapedCard(
                Str(item, "webVideoUrl") ?? Str(item, "url"),
                Str(item, "authorMeta", "name") ?? Str(item, "authorMeta", "nickName") ?? Str(item, "author"),
                Str(item, "text") ?? Str(item, "desc"),
                Num(item, "diggCount") ?? Num(item, "playCount"),
                Str(item, "createTimeISO") ?? Num(item, "createTime"),
                html) { PostId = Id(Str(item, "id") ?? Num(item, "id")) }
            : new ScrapedCard(
                Str(item, "url") ?? Str(item, "postUrl") ?? Str(item, "topLevelUrl"),
                Str(item, "user", "name") ?? Str(item, "pageName") ?? Str(item, "authorName"),
                Str(item, "text") ?? Str(item, "postText"),
                Num(item, "likes") ?? Num(item, "reactionsCount") ?? Num(item, "topReactionsCount"),
                Str(item, "time") ?? Num(item, "timestamp"),
                html) { PostId = Id(Str(item, "postId") ?? Num(item, "postId")) };
    }

    // Only ids that look like the platform's own (digits or pfbid...), as the scrapers would take from a URL.
    private static string? Id(string? s) => s is not null && (s.All(char.IsAsciiDigit) || s.StartsWith("pfbid", StringComparison.Ordinal)) && s.Length is >= 5 and <= 64 ? s : null;

    private static string? Str(JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e))
            {
                return null;
            }
        }

        return e.ValueKind == JsonValueKind.String ? e.GetString() : null;
    }

    private static string? Num(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)
            ? n.ToString(CultureInfo.InvariantCulture)
            : null;
}
