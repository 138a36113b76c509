using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MillionX.Pipeline.Sources;
using MillionX.Pipeline.Stages.SocialScrapers;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>The production <see cref="ApifyClient"/> against <see cref="FakeApify"/>, a local server speaking Apify's run and dataset API.</summary>
[Collection(ScraperCollection.Name)]
public sealed class ApifyClientTests : IAsyncLifetime
{
    private const string Actor = "clockworks~tiktok-scraper";

    private readonly PlainHttpClientFactory _http = new();
    private readonly string _checkpointDir = Path.Combine(Path.GetTempPath(), "millionx-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero));
    private FakeApify _apify = null!;

    public async Task InitializeAsync() => _apify = await FakeApify.StartAsync();

    public async Task DisposeAsync()
    {
        await _apify.DisposeAsync();
        _http.Dispose();
    }

    private FileCheckpointStore Checkpoints => new(_checkpointDir);

    private ApifyClient Client(Action<ScrapingOptions>? configure = null)
    {
        var o = new ScrapingOptions
        {
            Keywords = ["daraz deal", "eid shari"],
            PostsPerKeyword = 30,
            Apify = new ApifyOptions
            {
                Token = FakeApify.Token, BaseUrl = _apify.Url, TikTokActorId = Actor, FacebookActorId = "apify~facebook-posts-scraper",
                MaxItems = 50, MemoryMbytes = 512, RunTimeout = TimeSpan.FromMinutes(5), WaitForFinishSeconds = 0, PollInterval = TimeSpan.Zero,
                DailyCostCapUsd = 1.0,
            },
        };
        configure?.Invoke(o);
        return new ApifyClient(_http, Options.Create(o), Checkpoints, _clock, NullLogger<ApifyClient>.Instance);
    }

    private static double Runs(string platform, string status) => ApifyClient.RunsTotal.WithLabels(platform, status).Value;

    [Fact]
    public async Task FetchAsync_NewRun_StartsWithKeywordsAndLimitsWaitsAndReadsThatRunsDataset()
    {
        _apify.Script(new FakeApifyRun(["RUNNING", "RUNNING", "SUCCEEDED"], 0.12m));
        var (succeeded, items) = (Runs("tiktok", "succeeded"), ApifyClient.ItemsTotal.WithLabels("tiktok").Value);

        var cards = await Client().FetchAsync(SocialPlatform.TikTok, CancellationToken.None);

        Assert.Equal(FakeSocialSite.Apify.Select(c => c.Id), cards.Select(c => c.PostId));
        Assert.Equal("apify.two", cards[1].Author);
        var runId = Assert.Single(_apify.StartedRuns);
        Assert.Equal("SUCCEEDED", _apify.Status(runId));

        var start = Assert.Single(_apify.Calls("POST", "/v2/acts/"));
        Assert.Equal($"/v2/acts/{Actor}/runs", start.Path);
        Assert.Equal("512", start.Query["memory"]);
        Assert.Equal("300", start.Query["timeout"]);
        Assert.Equal("50", start.Query["maxItems"]);
        Assert.False(start.Query.ContainsKey("token"), "the token belongs in the Authorization header, not the URL");
        Assert.Equal($"Bearer {FakeApify.Token}", start.Authorization);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"searchQueries":["daraz deal","eid shari"],"maxItems":50,"resultsPerPage":30}"""), start.Body));

        var polls = _apify.Calls("GET", "/v2/actor-runs/");
        Assert.Equal(3, polls.Count);
        Assert.All(polls, p => Assert.Equal($"/v2/actor-runs/{runId}", p.Path));
        Assert.All(polls, p => Assert.Equal("0", p.Query["waitForFinish"]));
        var read = Assert.Single(_apify.Calls("GET", "/v2/datasets/"));
        Assert.Equal($"/v2/datasets/Dataset{runId}/items", read.Path);
        Assert.Equal("50", read.Query["limit"]);
        Assert.Empty(_apify.Violations);

        Assert.Equal("2026-12-05 0.12", await Checkpoints.GetAsync("apify-spend-usd", CancellationToken.None));
        Assert.Equal(runId, await Checkpoints.GetAsync("apify-last-run-tiktok", CancellationToken.None));
        Assert.Equal(succeeded + 1, Runs("tiktok", "succeeded"));
        Assert.Equal(items + 2, ApifyClient.ItemsTotal.WithLabels("tiktok").Value);
    }

    [Fact]
    public async Task FetchAsync_TwiceInARow_ReadsEachNewRunOnceAndNeverTheOldRun()
    {
        FakeCard[] second = [new("7300000000000000071", "second.run", "Second run earbuds deal", "710", "/second/posts/123456789012371")];
        _apify.Script(new FakeApifyRun(["SUCCEEDED"], 0.01m), new FakeApifyRun(["RUNNING", "SUCCEEDED"], 0.01m, second));
        var client = Client();

        var first = await client.FetchAsync(SocialPlatform.Facebook, CancellationToken.None);
        var next = await client.FetchAsync(SocialPlatform.Facebook, CancellationToken.None);

        Assert.Equal(["123456789012341", "123456789012342"], first.Select(c => c.PostId));
        Assert.Equal(["123456789012371"], next.Select(c => c.PostId));
        Assert.Equal(2, _apify.StartedRuns.Count);
        Assert.Equal(_apify.StartedRuns.Select(r => $"/v2/datasets/Dataset{r}/items"), _apify.Calls("GET", "/v2/datasets/").Select(c => c.Path));
        Assert.Empty(_apify.Calls("GET", "/v2/acts/"));
        Assert.DoesNotContain(_apify.Requests, r => r.Path.Contains(FakeApify.OldRunId, StringComparison.Ordinal));
        Assert.Empty(_apify.Violations);
    }

    [Fact]
    public async Task FetchAsync_ApifyAnswersWithTheRunAlreadyRead_RefusesItsItems()
    {
        // The next run the fake starts gets this id: as if Apify handed back the run read last time.
        await Checkpoints.SetAsync("apify-last-run-tiktok", "Run0000000000001", CancellationToken.None);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Client().FetchAsync(SocialPlatform.TikTok, CancellationToken.None));

        Assert.Contains("already read", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_apify.Calls("GET", "/v2/datasets/"));
    }

    [Theory]
    [InlineData("FAILED", "failed")]
    [InlineData("TIMED-OUT", "timed-out")]
    [InlineData("ABORTED", "aborted")]
    public async Task FetchAsync_RunDoesNotSucceed_TakesNoItemsCountsStatusAndSpend(string final, string label)
    {
        _apify.Script(new FakeApifyRun(["RUNNING", final], 0.07m));
        var before = Runs("facebook", label);

        var cards = await Client().FetchAsync(SocialPlatform.Facebook, CancellationToken.None);

        Assert.Empty(cards);
        Assert.Empty(_apify.Calls("GET", "/v2/datasets/"));
        Assert.Equal(before + 1, Runs("facebook", label));
        Assert.Equal("2026-12-05 0.07", await Checkpoints.GetAsync("apify-spend-usd", CancellationToken.None));
        Assert.Null(await Checkpoints.GetAsync("apify-last-run-facebook", CancellationToken.None));
    }

    [Fact]
    public async Task FetchAsync_DailyCostCapReached_RefusesToStartUntilTheNextUtcDay()
    {
        _apify.Script(new FakeApifyRun(["SUCCEEDED"], 0.08m), new FakeApifyRun(["SUCCEEDED"], 0.05m), new FakeApifyRun(["SUCCEEDED"], 0.01m));
        var client = Client(o => o.Apify.DailyCostCapUsd = 0.10);
        var refused = Runs("tiktok", "refused");

        Assert.Equal(2, (await client.FetchAsync(SocialPlatform.TikTok, CancellationToken.None)).Count); // 0.08 spent
        Assert.Equal(2, (await client.FetchAsync(SocialPlatform.TikTok, CancellationToken.None)).Count); // below the cap when started: 0.13 spent
        Assert.Empty(await client.FetchAsync(SocialPlatform.TikTok, CancellationToken.None));

        Assert.Equal(2, _apify.Calls("POST", "/v2/acts/").Count);
        Assert.Equal(refused + 1, Runs("tiktok", "refused"));
        Assert.Equal("2026-12-05 0.13", await Checkpoints.GetAsync("apify-spend-usd", CancellationToken.None));

        // A new process reads the same checkpoint: still refused today.
        Assert.Empty(await Client(o => o.Apify.DailyCostCapUsd = 0.10).FetchAsync(SocialPlatform.TikTok, CancellationToken.None));
        Assert.Equal(2, _apify.Calls("POST", "/v2/acts/").Count);

        _clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(2, (await client.FetchAsync(SocialPlatform.TikTok, CancellationToken.None)).Count);
        Assert.Equal(3, _apify.Calls("POST", "/v2/acts/").Count);
        Assert.Equal("2026-12-06 0.01", await Checkpoints.GetAsync("apify-spend-usd", CancellationToken.None));
    }

    [Fact]
    public async Task FetchAsync_ZeroCap_NeverStartsARun()
    {
        Assert.Empty(await Client(o => o.Apify.DailyCostCapUsd = 0).FetchAsync(SocialPlatform.TikTok, CancellationToken.None));
        Assert.Empty(_apify.Requests);
    }

    [Fact]
    public async Task FetchAsync_RunOutlivesTheWait_AbortsItAndTakesNothing()
    {
        _apify.Script(new FakeApifyRun(["RUNNING"], 0.02m));
        _clock.AutoAdvanceAmount = TimeSpan.FromMinutes(1);
        var before = Runs("tiktok", "wait-timeout");

        var cards = await Client(o => o.Apify.WaitTimeout = TimeSpan.FromMinutes(3)).FetchAsync(SocialPlatform.TikTok, CancellationToken.None);

        Assert.Empty(cards);
        var runId = Assert.Single(_apify.StartedRuns);
        Assert.Single(_apify.Calls("POST", $"/v2/actor-runs/{runId}/abort"));
        Assert.Equal("ABORTED", _apify.Status(runId));
        Assert.Empty(_apify.Calls("GET", "/v2/datasets/"));
        Assert.Equal(before + 1, Runs("tiktok", "wait-timeout"));
    }

    [Fact]
    public async Task FetchAsync_WrongToken_FailsWithUnauthorizedAndStartsNothing()
    {
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => Client(o => o.Apify.Token = "wrong-token").FetchAsync(SocialPlatform.TikTok, CancellationToken.None));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.DoesNotContain("wrong-token", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_apify.StartedRuns);
    }
}
