using System.Net;
using System.Net.Http.Headers;
using MillionX.Pipeline.Embedding;
using MillionX.Pipeline.Observability;
using MillionX.Pipeline.Stages.ShopifySync;
using MillionX.Pipeline.VectorStore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// The host's HTTP surface as an attacker or a crowd meets it: the access token, Host filtering against DNS
/// rebinding, the search limits, and the webhook on a listener of its own. Real hosts and real Kestrel listeners.
/// </summary>
public sealed class HttpSurfaceTests : BrokerTest
{
    private const string Token = "a-test-token-of-32-characters-xx";

    private async Task<(IHost Host, HttpClient Http)> StartAsync(params (string Key, string Value)[] extra)
    {
        var config = Broker.Config().WithHttpEndpoint();
        foreach (var (k, v) in extra)
        {
            config[k] = v;
        }

        var host = RunCommand.Build(CommandLine.Parse(["--role", "dlq-monitor"]), config);
        await host.StartAsync();
        var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = new Uri(Assert.Single(host.Services.GetRequiredService<HttpEndpoint>().Addresses)),
        };
        return (host, http);
    }

    [Fact]
    public async Task AccessToken_Set_StatusAndSearchNeedItMetricsAndHealthStayOpen()
    {
        var (host, http) = await StartAsync(("Observability:Http:AccessToken", Token));
        using (host)
        using (http)
        {
            foreach (var path in new[] { "/status", "/status.json", "/status.js", "/search?q=eid", "/" })
            {
                using var anonymous = await http.GetAsync(new Uri(path, UriKind.Relative));
                Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
                Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.ToString());

                using var wrong = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token[..^1] + "y") } };
                using var refused = await http.SendAsync(wrong);
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            using var bearer = new HttpRequestMessage(HttpMethod.Get, "/status.json") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token) } };
            using var allowed = await http.SendAsync(bearer);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Contains("dlq-monitor", await allowed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            // A browser opens /status?token=... once: the token moves into an HttpOnly, SameSite=Strict cookie and out of the address.
            using var login = await http.GetAsync(new Uri($"/status?token={Token}&x=1", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
            Assert.Equal("/status?x=1", login.Headers.Location?.ToString());
            var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
            Assert.StartsWith($"{StatusEndpoints.TokenCookie}={Token}", cookie, StringComparison.Ordinal);
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
            using var withCookie = new HttpRequestMessage(HttpMethod.Get, "/status.json") { Headers = { { "Cookie", $"{StatusEndpoints.TokenCookie}={Token}" } } };
            using var page = await http.SendAsync(withCookie);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);

            using var metrics = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task AccessToken_TooShort_IsAStartupError()
    {
        var config = Broker.Config().WithHttpEndpoint().With("Observability:Http:AccessToken", "short");
        using var host = RunCommand.Build(CommandLine.Parse(["--role", "dlq-monitor"]), config);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("AccessToken must be at least 16 characters", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("short", error.Message.Replace("too short", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostHeader_ForeignNameOnALoopbackListener_IsRefusedBeforeAnyRoute()
    {
        var (host, http) = await StartAsync();
        using (host)
        using (http)
        {
            var port = http.BaseAddress!.Port;
            foreach (var (name, expected) in new[]
            {
                ($"evil.example:{port}", HttpStatusCode.BadRequest), // DNS rebinding: the attacker's name resolving to 127.0.0.1
                ($"127.0.0.1.nip.io:{port}", HttpStatusCode.BadRequest),
                ($"localhost:{port}", HttpStatusCode.OK),
                ($"127.0.0.1:{port}", HttpStatusCode.OK),
            })
            {
                foreach (var path in new[] { "/status.json", "/metrics" })
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, path);
                    request.Headers.Host = name;
                    using var response = await http.SendAsync(request);
                    Assert.True(expected == response.StatusCode, $"{path} with Host {name}: {response.StatusCode}");
                }
            }

            await host.StopAsync();
        }
    }

    [Fact]
    public async Task HostHeader_ConfiguredNames_AreTheOnlyOnesAnswered()
    {
        var (host, http) = await StartAsync(("Observability:Http:AllowedHosts:0", "pipeline"));
        using (host)
        using (http)
        {
            using var named = new HttpRequestMessage(HttpMethod.Get, "/health") { Headers = { Host = "pipeline:9464" } };
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(named)).StatusCode);
            using var loopback = new HttpRequestMessage(HttpMethod.Get, "/health") { Headers = { Host = "localhost" } };
            Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(loopback)).StatusCode);
            await host.StopAsync();
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:9464", "localhost")]
    [InlineData("http://localhost:9464", "localhost")]
    [InlineData("http://[::1]:9464;http://127.0.0.1:9464", "localhost")]
    [InlineData("http://0.0.0.0:9464", "*")]
    [InlineData("http://*:9464", "*")]
    [InlineData("http://127.0.0.1:9464;http://10.0.0.5:9464", "*")]
    public void AllowedHosts_Default_FollowsWhatTheListenerBinds(string urls, string first) =>
        Assert.Equal(first, HttpOptions.AllowedHostsFor(urls, [])[0]);

    [Fact]
    public async Task Search_AtTheConcurrencyLimit_AnswersTooManyRequestsAtOnceAndRunsOnItsOwnSession()
    {
        // A search host without Kafka: the status routes on a real listener, a vector store that holds a search open
        // until the test lets it go, and a stand-in embedder (fixed vectors) registered as the search session.
        var store = new HeldVectorStore();
        var stageEmbedder = new StandInEmbedder();
        var searchEmbedder = new StandInEmbedder();
        var services = new ServiceCollection()
            .AddSingleton<IVectorStore>(store)
            .AddSingleton<ITextEmbedder>(stageEmbedder)
            .AddKeyedSingleton<ITextEmbedder>(EmbeddingRegistration.SearchEmbedderKey, searchEmbedder)
            .BuildServiceProvider();
        var options = Options.Create(new ObservabilityOptions { Http = new HttpOptions { SearchConcurrency = 1 } });
        var endpoints = new StatusEndpoints(null!, services, options, NullLogger<StatusEndpoints>.Instance); // status.json is not asked here
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        endpoints.Map(app);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        var first = http.GetAsync(new Uri("/search?q=eid+offer", UriKind.Relative));
        Assert.True(await store.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        using (var second = await http.GetAsync(new Uri("/search?q=panjabi", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
            Assert.Equal("1", second.Headers.GetValues("Retry-After").Single());
        }

        using (var tooLong = await http.GetAsync(new Uri("/search?q=" + new string('a', StatusEndpoints.MaxQueryChars + 1), UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        }

        store.Release.SetResult();
        using (var answered = await first)
        {
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }

        using (var after = await http.GetAsync(new Uri("/search?q=panjabi", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }

        Assert.Equal(0, stageEmbedder.Calls);
        Assert.Equal(2, searchEmbedder.Calls);
        await app.StopAsync();
    }

    [Fact]
    public void Registration_SearchEmbedder_IsASessionOfItsOwn()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(Broker.Config()); // the prepared real model
        builder.AddEmbedder();
        using var host = builder.Build();
        var stage = host.Services.GetRequiredService<ITextEmbedder>();
        var search = host.Services.GetRequiredKeyedService<ITextEmbedder>(EmbeddingRegistration.SearchEmbedderKey);
        Assert.NotSame(stage, search);
        Assert.Equal(stage.Embed(["eid offer"])[0], search.Embed(["eid offer"])[0]);
    }

    [Fact]
    public async Task Webhook_OwnListener_ServesTheWebhookAndNotTheStatusPage()
    {
        await using var shop = await FakeShopify.StartAsync();
        var config = ShopifyWebhookTests.WebhookConfig(Broker, shop, Path.Combine(TempDir, "checkpoints"))
            .With("Stages:shopify-sync:WebhookUrls", "http://127.0.0.2:0");
        using var host = RunCommand.Build(CommandLine.Parse(["--role", "shopify-sync"]), config);
        await host.StartAsync();
        var endpoint = host.Services.GetRequiredService<HttpEndpoint>();
        using var shared = new HttpClient { BaseAddress = new Uri(Assert.Single(endpoint.Addresses)) };
        using var own = new HttpClient { BaseAddress = new Uri(Assert.Single(endpoint.ListenerAddresses("http://127.0.0.2:0"))) };
        Assert.StartsWith("http://127.0.0.2:", own.BaseAddress.ToString(), StringComparison.Ordinal);

        // Unsigned: the webhook answers 401 on its own listener; the shared port has no such route.
        using (var onOwn = await own.PostAsync(new Uri(ShopifyWebhookEndpoint.Route, UriKind.Relative), new StringContent("{}")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, onOwn.StatusCode);
        }

        using (var onShared = await shared.PostAsync(new Uri(ShopifyWebhookEndpoint.Route, UriKind.Relative), new StringContent("{}")))
        {
            Assert.Equal(HttpStatusCode.NotFound, onShared.StatusCode);
        }

        using (var status = await own.GetAsync(new Uri("/status.json", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        }

        using (var metrics = await own.GetAsync(new Uri("/metrics", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await shared.GetAsync(new Uri("/status.json", UriKind.Relative))).StatusCode);
        await host.StopAsync();
    }

    /// <summary>Test double: a vector store whose search waits until the test releases it.</summary>
    private sealed class HeldVectorStore : IVectorStore
    {
        public TaskCompletionSource<bool> Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "held";

        public async Task<IReadOnlyList<SearchHit>> SearchAsync(float[] query, int top, string? platform, CancellationToken ct)
        {
            Entered.TrySetResult(true);
            await Release.Task.WaitAsync(ct);
            return [];
        }

        public Task<long> CountAsync(CancellationToken ct) => Task.FromResult(0L);

        public Task EnsureSchemaAsync(CancellationToken ct) => Task.CompletedTask;

        public Task UpsertAsync(IReadOnlyList<VectorRecord> records, CancellationToken ct) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Stand-in embedder (fixed 4-dimension vectors) that counts its calls; not a model.</summary>
    private sealed class StandInEmbedder : ITextEmbedder
    {
        private int _calls;

        public int Calls => _calls;

        public int Dimensions => 4;

        public float[][] Embed(IReadOnlyList<string> texts)
        {
            Interlocked.Increment(ref _calls);
            return texts.Select(_ => new[] { 1f, 0f, 0f, 0f }).ToArray();
        }

        public float[][] EmbedTokens(IReadOnlyList<int[]> tokenIds) => throw new NotSupportedException();

        public int[] Tokenize(string text) => throw new NotSupportedException();

        public int CountTokens(string text) => text.Length;

        public void Dispose()
        {
        }
    }
}
