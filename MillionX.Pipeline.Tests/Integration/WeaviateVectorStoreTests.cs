using System.Net.Sockets;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.VectorStore;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// The Weaviate store built by the production registration (the <c>weaviate</c> HttpClient behind its resilience
/// handler, see <see cref="StoreClients"/>) against <see cref="FakeWeaviate"/>.
/// </summary>
public sealed class WeaviateVectorStoreTests : IAsyncLifetime
{
    private static readonly string[] Platforms = ["tiktok", "facebook"];

    private readonly List<StoreClients> _clients = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var c in _clients)
        {
            await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task EnsureSchema_ClassMissing_CreatesItOnceWithVectorizerNoneAndThePlanProperties()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        await using var store = Store(fake.Url);

        await store.EnsureSchemaAsync(CancellationToken.None);
        await store.EnsureSchemaAsync(CancellationToken.None);
        await using var restarted = Store(fake.Url);
        await restarted.EnsureSchemaAsync(CancellationToken.None);

        var create = Assert.Single(fake.SchemaCreates);
        var body = JsonNode.Parse(create.Body)!;
        Assert.Equal("SocialPost", body["class"]!.GetValue<string>());
        Assert.Equal("none", body["vectorizer"]!.GetValue<string>());
        Assert.Equal("cosine", body["vectorIndexConfig"]!["distance"]!.GetValue<string>());
        var types = body["properties"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!["dataType"]![0]!.GetValue<string>());
        Assert.Equal(FakeWeaviate.ExpectedProperties.OrderBy(p => p.Key), types.OrderBy(p => p.Key));
        Assert.True(fake.Classes.ContainsKey("SocialPost"));
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task EnsureSchema_ClassPresent_LeavesItAloneAndWarnsAboutMissingProperties()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        var existing = new JsonObject
        {
            ["class"] = "SocialPost",
            ["vectorizer"] = "text2vec-openai",
            ["properties"] = new JsonArray(new JsonObject { ["name"] = "post_id", ["dataType"] = new JsonArray("text") }),
        };
        fake.SeedClass(existing);
        var before = existing.ToJsonString();
        var clients = Clients(fake.Url);

        await clients.Weaviate.EnsureSchemaAsync(CancellationToken.None);

        Assert.Empty(fake.SchemaCreates);
        Assert.Equal(before, fake.Classes["SocialPost"].ToJsonString());
        Assert.Contains(clients.Logs.GetSnapshot(), l => l.Level == LogLevel.Warning && l.Message.Contains("matched_product_ids", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Upsert_250Records_SendsThreeBatchesOfAtMost100WithUuid5Ids()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        await using var store = await ReadyStore(fake);
        var records = Records(250);

        await store.UpsertAsync(records, CancellationToken.None);

        var batches = fake.BatchRequests;
        Assert.Equal([100, 100, 50], batches.Select(b => JsonNode.Parse(b.Body)!["objects"]!.AsArray().Count));
        Assert.Equal(250, await store.CountAsync(CancellationToken.None));
        Assert.All(records, r => Assert.True(fake.Objects.ContainsKey(("SocialPost", WeaviateVectorStore.ObjectId(r.Platform, r.PostId)))));
        var stored = fake.Objects[("SocialPost", WeaviateVectorStore.ObjectId(records[7].Platform, "post-0007"))];
        Assert.Equal(records[7].Vector, stored.Vector);
        Assert.Equal(records[7].EngagementCount, stored.Properties["engagement"]!.GetValue<long>());
        Assert.Equal(["#dhaka", "#sale7"], stored.Properties["hashtags"]!.AsArray().Select(h => h!.GetValue<string>()));
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task Upsert_SameRecordsAgain_KeepsTheCountAndReplacesTheObjects()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        await using var store = await ReadyStore(fake);
        var records = Records(250);
        await store.UpsertAsync(records, CancellationToken.None);

        var edited = records.Select(r => r with { Content = r.Content + " (edited)" }).ToList();
        await store.UpsertAsync(edited, CancellationToken.None);

        Assert.Equal(250, await store.CountAsync(CancellationToken.None));
        Assert.Equal(250, fake.Count("SocialPost"));
        Assert.EndsWith("(edited)", fake.Objects[("SocialPost", WeaviateVectorStore.ObjectId(records[100].Platform, "post-0100"))].Properties["content"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task Upsert_DuplicatePostIdsInOneCall_SendsOneObjectPerPostLastWins()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        await using var store = await ReadyStore(fake);
        var records = Records(3);

        await store.UpsertAsync([records[0], records[1], records[0] with { Content = "newer" }, records[2]], CancellationToken.None);

        Assert.Equal(3, JsonNode.Parse(Assert.Single(fake.BatchRequests).Body)!["objects"]!.AsArray().Count);
        Assert.Equal("newer", fake.Objects[("SocialPost", WeaviateVectorStore.ObjectId(records[0].Platform, "post-0000"))].Properties["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task Upsert_SamePostIdOnTwoPlatforms_TwoObjects()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        await using var store = await ReadyStore(fake);
        var post = Records(1)[0];

        await store.UpsertAsync([post with { Platform = "tiktok", Content = "tiktok post" }, post with { Platform = "facebook", Content = "facebook post" }], CancellationToken.None);

        Assert.Equal(2, fake.Count("SocialPost"));
        Assert.Equal("tiktok post", fake.Objects[("SocialPost", WeaviateVectorStore.ObjectId("tiktok", post.PostId))].Properties["content"]!.GetValue<string>());
        Assert.Equal("facebook post", fake.Objects[("SocialPost", WeaviateVectorStore.ObjectId("facebook", post.PostId))].Properties["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task Upsert_PerObjectErrorsInA200Answer_ResendsOnlyThoseObjects()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        await using var store = await ReadyStore(fake);
        fake.FailObjects(1, "post-0003", "post-0007");

        await store.UpsertAsync(Records(10), CancellationToken.None);

        var batches = fake.BatchRequests;
        Assert.Equal(2, batches.Count);
        var resent = JsonNode.Parse(batches[1].Body)!["objects"]!.AsArray().Select(o => o!["properties"]!["post_id"]!.GetValue<string>()).Order();
        Assert.Equal(["post-0003", "post-0007"], resent);
        Assert.Equal(10, await store.CountAsync(CancellationToken.None));
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task Upsert_PerObjectErrorsPersist_ThrowsTransientNamingTheError()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        await using var store = await ReadyStore(fake, maxAttempts: 3);
        fake.FailObjects(100, "post-0001");

        var ex = await Assert.ThrowsAsync<TransientVectorStoreException>(() => store.UpsertAsync(Records(5), CancellationToken.None));

        Assert.Contains("context deadline exceeded", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, fake.BatchRequests.Count);
        Assert.Equal(4, fake.Count("SocialPost"));
    }

    [Fact]
    public async Task Upsert_429Then500_RetriedLoggedCountedAndSucceeds()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        var clients = Clients(fake.Url);
        var store = clients.Weaviate;
        await store.EnsureSchemaAsync(CancellationToken.None);
        fake.FailNext(429, retryAfterSeconds: 0);
        fake.FailNext(500);
        var counted = Retries.Value;

        await store.UpsertAsync(Records(20), CancellationToken.None);

        Assert.Equal(3, fake.BatchRequests.Count);
        Assert.Equal(20, await store.CountAsync(CancellationToken.None));
        Assert.Equal(counted + 2, Retries.Value);
        var warnings = clients.RetryWarnings<WeaviateVectorStore>();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("attempt 1 of 5 failed (HTTP 429); retrying in 0.000 s", warnings[0], StringComparison.Ordinal);
        Assert.Contains("attempt 2 of 5 failed (HTTP 500)", warnings[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upsert_RetryAfterBeyondMaxBackoff_WaitsMaxBackoffOnTheHostClock()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        var clock = new ObservableClock(DateTimeOffset.UtcNow);
        var clients = Clients(fake.Url, httpTimeout: TimeSpan.FromMinutes(5), maxBackoff: TimeSpan.FromSeconds(5), clock: clock);
        var store = clients.Weaviate;
        await store.EnsureSchemaAsync(CancellationToken.None);
        fake.FailNext(429, retryAfterSeconds: 60);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var upsert = store.UpsertAsync(Records(5), stop.Token);

        // The retry waits on the container's TimeProvider: nothing is resent until the fake clock passes MaxBackoff.
        await clients.PassRetryDelayAsync<WeaviateVectorStore>(clock, TimeSpan.FromSeconds(5), () => fake.BatchRequests.Count);
        await upsert.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, fake.BatchRequests.Count);
        Assert.Equal(5, fake.Count("SocialPost"));
    }

    [Fact]
    public async Task Upsert_OnlyValidationErrors_BatchRejectedWithoutResending()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        var clients = Clients(fake.Url);
        var store = clients.Weaviate;
        await store.EnsureSchemaAsync(CancellationToken.None);
        fake.RejectObjects("post-0002");
        var counted = Retries.Value;

        await Assert.ThrowsAsync<BatchRejectedException>(() => store.UpsertAsync(Records(5), CancellationToken.None));

        Assert.Single(fake.BatchRequests);
        Assert.Equal(4, fake.Count("SocialPost"));
        Assert.Empty(clients.RetryWarnings<WeaviateVectorStore>());
        Assert.Equal(counted, Retries.Value);
    }

    [Fact]
    public async Task IsReady_503_AnswersFalseAfterOneRequest()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        await using var store = Store(fake.Url);
        fake.FailNext(503, pathPrefix: "/v1/.well-known/ready");

        Assert.False(await store.IsReadyAsync(CancellationToken.None));

        Assert.Single(fake.Requests);
        Assert.True(await store.IsReadyAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Upsert_ServerKeepsFailing_ThrowsTransientAfterMaxAttempts()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        await using var store = await ReadyStore(fake, maxAttempts: 3);
        fake.FailNext(503, times: 100);

        var ex = await Assert.ThrowsAsync<TransientVectorStoreException>(() => store.UpsertAsync(Records(5), CancellationToken.None));

        Assert.Contains("503", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, fake.BatchRequests.Count);
    }

    [Fact]
    public async Task Upsert_ServerHangsOnce_TimesOutAndRetries()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        // Long enough that the hung request reaches the fake before its attempt times out on a loaded machine: else the
        // hang is left for the resend, and more than two batch requests are sent.
        await using var store = await ReadyStore(fake, httpTimeout: TimeSpan.FromSeconds(2));
        fake.HangNext();

        await store.UpsertAsync(Records(5), CancellationToken.None);

        Assert.Equal(2, fake.BatchRequests.Count);
        Assert.Equal(5, fake.Count("SocialPost"));
    }

    [Fact]
    public async Task Upsert_ServerAlwaysHangs_ThrowsTransient()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        await using var store = await ReadyStore(fake, maxAttempts: 2, httpTimeout: TimeSpan.FromMilliseconds(200));
        fake.HangNext(times: 100);

        var ex = await Assert.ThrowsAsync<TransientVectorStoreException>(() => store.UpsertAsync(Records(5), CancellationToken.None));

        Assert.Contains("no answer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upsert_ConnectionRefused_ThrowsTransient()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var store = Store($"http://127.0.0.1:{port}", maxAttempts: 2);

        await Assert.ThrowsAsync<TransientVectorStoreException>(() => store.UpsertAsync(Records(5), CancellationToken.None));
        await Assert.ThrowsAsync<TransientVectorStoreException>(() => store.EnsureSchemaAsync(CancellationToken.None));
        Assert.False(await store.IsReadyAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Upsert_ServerStopped_ThrowsTransient()
    {
        var fake = await FakeWeaviate.StartAsync();
        await using var store = await ReadyStore(fake, maxAttempts: 2);
        await fake.DisposeAsync();

        await Assert.ThrowsAsync<TransientVectorStoreException>(() => store.UpsertAsync(Records(5), CancellationToken.None));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task Requests_Unauthorized_ThrowNonTransientWithoutRetrying(string? apiKey)
    {
        await using var fake = await FakeWeaviate.StartAsync(apiKey: "secret-key");
        await using var store = Store(fake.Url, apiKey: apiKey);

        var ex = await Assert.ThrowsAsync<WeaviateRequestException>(() => store.UpsertAsync(Records(5), CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, ex.Status);
        Assert.Single(fake.Requests);
        Assert.DoesNotContain("secret-key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_ApiKeySet_SendBearerHeaderOnEveryRequest()
    {
        await using var fake = await FakeWeaviate.StartAsync(apiKey: "secret-key");
        var clients = Clients(fake.Url, apiKey: "secret-key");
        fake.FailNext(500);

        await RoundTrip(clients.Weaviate);

        Assert.True(fake.Requests.Count >= 5);
        Assert.All(fake.Requests, r => Assert.Equal("Bearer secret-key", r.Authorization));
        Assert.Single(clients.RetryWarnings<WeaviateVectorStore>());
        Assert.DoesNotContain(clients.Logs.GetSnapshot(), l => l.Message.Contains("secret-key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Requests_NoApiKey_SendNoAuthorizationHeader()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        await using var store = Store(fake.Url, apiKey: "");

        await RoundTrip(store);

        Assert.True(fake.Requests.Count >= 4);
        Assert.All(fake.Requests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task Search_ExactVector_ReturnsThatRecordFirstWithScoreOne()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        await using var store = await ReadyStore(fake);
        var records = Records(60);
        await store.UpsertAsync(records, CancellationToken.None);

        var hits = await store.SearchAsync(records[17].Vector, 5, null, CancellationToken.None);

        Assert.Equal(5, hits.Count);
        var first = hits[0];
        Assert.Equal("post-0017", first.PostId);
        Assert.Equal(1.0, first.Score, 5);
        Assert.Equal(records[17].Platform, first.Platform);
        Assert.Equal(records[17].Content, first.Content);
        Assert.Equal(records[17].EngagementCount, first.EngagementCount);
        Assert.Equal(records[17].Timestamp, first.Timestamp);
        Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.Score >= p.Second.Score));
        Assert.All(hits.Skip(1), h => Assert.True(h.Score < 0.9));

        var sent = fake.LastSearch!;
        Assert.Equal(5, sent.Limit);
        Assert.Null(sent.Platform);
        Assert.Equal(records[17].Vector, sent.Vector);
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task Search_PlatformFilterAndTop_AreHonoured()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        await using var store = await ReadyStore(fake);
        var records = Records(40);
        await store.UpsertAsync(records, CancellationToken.None);
        var tiktok = records.First(r => r.Platform == "tiktok");

        var facebookOnly = await store.SearchAsync(tiktok.Vector, 100, "facebook", CancellationToken.None);
        var top3 = await store.SearchAsync(tiktok.Vector, 3, "tiktok", CancellationToken.None);

        Assert.Equal(records.Count(r => r.Platform == "facebook"), facebookOnly.Count);
        Assert.All(facebookOnly, h => Assert.Equal("facebook", h.Platform));
        Assert.DoesNotContain(facebookOnly, h => h.PostId == tiktok.PostId);
        Assert.Equal(3, top3.Count);
        Assert.All(top3, h => Assert.Equal("tiktok", h.Platform));
        Assert.Equal(tiktok.PostId, top3[0].PostId);
        Assert.Equal("tiktok", fake.LastSearch!.Platform);
        Assert.Equal(3, fake.LastSearch.Limit);
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task Search_PlatformWithQuotes_IsEscapedAndMatchesNothing()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        await using var store = await ReadyStore(fake);
        await store.UpsertAsync(Records(4), CancellationToken.None);

        var hits = await store.SearchAsync(Records(1)[0].Vector, 10, "tik\"tok\\ }", CancellationToken.None);

        Assert.Empty(hits);
        Assert.Equal("tik\"tok\\ }", fake.LastSearch!.Platform);
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task Count_EmptyClass_IsZero_AndGraphQlErrorsAreNotTransient()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        await using var store = Store(fake.Url);

        var ex = await Assert.ThrowsAsync<WeaviateRequestException>(() => store.CountAsync(CancellationToken.None));
        Assert.Contains("Cannot query field", ex.Message, StringComparison.Ordinal);

        await store.EnsureSchemaAsync(CancellationToken.None);
        Assert.Equal(0, await store.CountAsync(CancellationToken.None));
        Assert.True(await store.IsReadyAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Search_500Once_IsRetried()
    {
        await using var fake = await FakeWeaviate.StartAsync();
        await using var store = await ReadyStore(fake);
        var records = Records(10);
        await store.UpsertAsync(records, CancellationToken.None);
        fake.FailNext(500, pathPrefix: "/v1/graphql");

        var hits = await store.SearchAsync(records[2].Vector, 1, null, CancellationToken.None);

        Assert.Equal("post-0002", Assert.Single(hits).PostId);
    }

    private static async Task RoundTrip(WeaviateVectorStore store)
    {
        await store.EnsureSchemaAsync(CancellationToken.None);
        var records = Records(3);
        await store.UpsertAsync(records, CancellationToken.None);
        Assert.Single(await store.SearchAsync(records[0].Vector, 1, "tiktok", CancellationToken.None));
        Assert.Equal(3, await store.CountAsync(CancellationToken.None));
    }

    private async Task<WeaviateVectorStore> ReadyStore(FakeWeaviate fake, int maxAttempts = 5, TimeSpan? httpTimeout = null)
    {
        var store = Store(fake.Url, maxAttempts: maxAttempts, httpTimeout: httpTimeout);
        await store.EnsureSchemaAsync(CancellationToken.None);
        return store;
    }

    private static Prometheus.Counter.Child Retries => HttpClientResilience.Retries.WithLabels(VectorStoreRegistration.HttpClientName);

    private WeaviateVectorStore Store(string url, string? apiKey = null, int maxAttempts = 5, TimeSpan? httpTimeout = null) =>
        Clients(url, apiKey, maxAttempts, httpTimeout).Weaviate;

    private StoreClients Clients(
        string url, string? apiKey = null, int maxAttempts = 5, TimeSpan? httpTimeout = null, TimeSpan? maxBackoff = null, TimeProvider? clock = null)
    {
        var clients = StoreClients.ForWeaviate(
            new WeaviateOptions
            {
                Url = url,
                ApiKey = apiKey ?? "",
                BatchSize = 100,
                MaxAttempts = maxAttempts,
                InitialBackoff = TimeSpan.FromMilliseconds(2),
                MaxBackoff = maxBackoff ?? TimeSpan.FromMilliseconds(20),
                HttpTimeout = httpTimeout ?? TimeSpan.FromSeconds(5),
            },
            clock);
        _clients.Add(clients);
        return clients;
    }

    /// <summary>Posts with seeded random unit vectors (nearly orthogonal in 384 dimensions), alternating platforms.</summary>
    private static List<VectorRecord> Records(int count)
    {
        var random = new Random(42);
        var start = new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var v = new float[FakeWeaviate.Dimensions];
            for (var d = 0; d < v.Length; d++)
            {
                v[d] = (float)((random.NextDouble() * 2) - 1);
            }

            var norm = MathF.Sqrt(v.Sum(x => x * x));
            for (var d = 0; d < v.Length; d++)
            {
                v[d] /= norm;
            }

            return new VectorRecord($"post-{i:D4}", Platforms[i % 2], $"Eid sale {i} at the Dhaka shop", $"Eid sale {i} [product: saree]",
                start.AddMinutes(i), 1000 + i, ["#dhaka", $"#sale{i}"], [$"prod-{i % 7}"], v);
        })];
    }
}
