using Microsoft.Extensions.Options;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Sources;
using MillionX.Pipeline.Stages.DarazSync;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>The daraz-sync stage through the real host, against the fake Daraz API and the embedded broker.</summary>
public sealed class DarazSyncTests : BrokerTest, IAsyncLifetime
{
    private const string AppKey = "501234";
    private const string AppSecret = "test-app-secret";
    private const string AccessToken = "test-access-token-not-a-real-one";
    private const string MerchantId = "M-DZ-042";
    private static readonly TimeSpan Dhaka = TimeSpan.FromHours(6);
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, Dhaka);
    private static readonly string[] Statuses = ["pending", "ready_to_ship", "delivered", "canceled", "shipped"];

    private FakeDaraz _daraz = null!;

    public async Task InitializeAsync() => _daraz = await FakeDaraz.StartAsync(AppKey, AppSecret, AccessToken);

    public async Task DisposeAsync() => await _daraz.DisposeAsync();

    private string Checkpoints => Path.Combine(TempDir, "checkpoints");

    private Dictionary<string, string?> Config(string accessToken = AccessToken, string attemptTimeout = "00:00:10") => Broker.Config()
        .With("Stages:daraz-sync:BaseUrl", _daraz.RestUrl)
        .With("Stages:daraz-sync:AppKey", AppKey)
        .With("Stages:daraz-sync:AppSecret", AppSecret)
        .With("Stages:daraz-sync:AccessToken", accessToken)
        .With("Stages:daraz-sync:MerchantId", MerchantId)
        .With("Stages:daraz-sync:InitialWatermark", "2026-11-01T00:00:00+06:00")
        .With("Stages:daraz-sync:ThrottleDelay", "00:00:00.010")
        .With("Sources:Checkpoints:Directory", Checkpoints)
        .With("Sources:Resilience:RetryDelay", "00:00:00.010")
        .With("Sources:Resilience:MaxRetries", "2")
        // Generous per-attempt timeout: on two busy cores a slow first answer must not turn into a retry and change the
        // exact counts. Tests of a hanging call pass a shorter one.
        .With("Sources:Resilience:AttemptTimeout", attemptTimeout);

    /// <summary>One --once run; returns the exit code the run calls for (the stage registry's).</summary>
    private static async Task<int> RunOnceAsync(Dictionary<string, string?> config)
    {
        using var host = RunCommand.Build(CommandLine.Parse(["--role", "daraz-sync", "--once"]), config);
        var registry = host.Services.GetRequiredService<StageRegistry>(); // RunAsync disposes the host
        await host.RunAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return registry.ExitCode;
    }

    private List<MarketOrder> Published() => Broker.ReadAll(Topics.MarketDaraz)
        .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.MarketOrder)!).ToList();

    private Task<string?> Checkpoint() => new FileCheckpointStore(Checkpoints).GetAsync(DarazSyncStage.CheckpointKey(AppKey), CancellationToken.None);

    /// <summary>Order i: created T0 + i min, updated 30 s later; (1 + i % 3) units of SKU-(i % 7), plus one SKU-X when i % 4 == 0.</summary>
    private static FakeDarazOrder Order(int i, DateTimeOffset? updated = null, string? status = null)
    {
        var s = status ?? Statuses[i % Statuses.Length];
        var items = Enumerable.Range(0, 1 + (i % 3))
            .Select(u => new FakeDarazItem((i * 10) + u, $"SKU-{i % 7}", $"Product {i % 7}", 100m + (i % 7), s))
            .ToList();
        if (i % 4 == 0)
        {
            items.Add(new FakeDarazItem((i * 10) + 9, "SKU-X", "Jamdani Shari", 4500m, s));
        }

        return new FakeDarazOrder(1000 + i, T0.AddMinutes(i), updated ?? T0.AddMinutes(i).AddSeconds(30), s, $"0171{i:D7}", items);
    }

    [Fact]
    public async Task Run_110OrdersOverTwoPages_OneRecordPerProductLineWithEveryField()
    {
        _daraz.Put([.. Enumerable.Range(0, 110).Select(i => Order(i))]);

        await RunOnceAsync(Config());

        Assert.Empty(_daraz.Violations);
        var lines = Published();
        Assert.Equal(110 + 28, lines.Count);
        Assert.Equal(lines.Count, lines.Select(l => (l.OrderId, l.ProductId)).Distinct().Count());
        Assert.All(lines, l => Assert.Equal(("daraz", MerchantId, "BDT"), (l.Platform, l.MerchantId, l.Currency)));

        // Order 1004: two units of SKU-4 in one line, plus SKU-X; "shipped".
        var o4 = lines.Where(l => l.OrderId == "1004").OrderBy(l => l.ProductId, StringComparer.Ordinal).ToList();
        Assert.Equal(["SKU-4", "SKU-X"], o4.Select(l => l.ProductId));
        Assert.Equal(2, o4[0].Quantity);
        Assert.Equal(104m, o4[0].Price);
        Assert.Equal("Product 4", o4[0].ProductName);
        Assert.Equal(1, o4[1].Quantity);
        Assert.Equal(4500m, o4[1].Price);
        Assert.Equal("shipped", o4[0].OrderStatus);
        Assert.Equal("01710000004", o4[0].CustomerPhone);
        Assert.Equal(T0.AddMinutes(4), o4[0].Timestamp);

        // Statuses mapped into the contract's set.
        Assert.Equal("cancelled", lines.Single(l => l.OrderId == "1003").OrderStatus);
        Assert.Equal("processing", lines.Single(l => l.OrderId == "1001").OrderStatus);
        Assert.Equal("delivered", lines.Single(l => l.OrderId == "1002").OrderStatus);
        Assert.Equal(3, lines.Single(l => l.OrderId == "1005").Quantity);

        // Two order pages (100 + 10), items in calls of at most 50 ids.
        var orderCalls = _daraz.Calls(FakeDaraz.OrdersPath);
        Assert.Equal(["0", "100"], orderCalls.Select(c => c.Query["offset"]));
        Assert.All(orderCalls, c => Assert.Equal(("100", "updated_at", "ASC", "2026-11-01T00:00:00+06:00"),
            (c.Query["limit"], c.Query["sort_by"], c.Query["sort_direction"], c.Query["update_after"])));
        Assert.Equal([50, 50, 10], _daraz.Calls(FakeDaraz.ItemsPath).Select(c => JsonSerializer.Deserialize<long[]>(c.Query["order_ids"])!.Length));

        Assert.Equal("""{"updated_at":"2026-11-20T11:49:30+06:00","order_ids":["1109"]}""", await Checkpoint());
    }

    [Fact]
    public async Task Run_SecondRun_FetchesFromTheWatermarkAndPublishesOnlyChangedOrders()
    {
        // Orders 3 and 4 share the newest second: the boundary the inclusive update_after returns again.
        var boundary = T0.AddMinutes(10);
        _daraz.Put(Order(1), Order(2), Order(3, boundary), Order(4, boundary));
        await RunOnceAsync(Config());
        var first = Published();
        Assert.Equal(1 + 1 + 1 + 2, first.Count);
        Assert.Equal("""{"updated_at":"2026-11-20T10:10:00+06:00","order_ids":["1003","1004"]}""", await Checkpoint());

        // Order 2 is delivered later; order 5 is new; order 4 did not change.
        _daraz.Put(Order(2, T0.AddMinutes(20), "delivered"), Order(5, T0.AddMinutes(20)));
        await RunOnceAsync(Config());

        Assert.Empty(_daraz.Violations);
        // Topic order is per partition only: what the second run added is everything except the first run's records.
        var second = Published();
        Assert.All(first, f => Assert.True(second.Remove(f)));
        Assert.Equal([("1002", "SKU-2", "delivered", 3), ("1005", "SKU-5", "pending", 3)],
            second.Select(l => (l.OrderId, l.ProductId, l.OrderStatus, l.Quantity)).OrderBy(x => x.OrderId, StringComparer.Ordinal));
        var secondRunOrders = _daraz.Calls(FakeDaraz.OrdersPath)[^1];
        Assert.Equal("2026-11-20T10:10:00+06:00", secondRunOrders.Query["update_after"]);
        Assert.Equal("[1002,1005]", _daraz.Calls(FakeDaraz.ItemsPath)[^1].Query["order_ids"]);
        Assert.Equal("""{"updated_at":"2026-11-20T10:20:00+06:00","order_ids":["1002","1005"]}""", await Checkpoint());

        // Nothing new: a third run reads the boundary again and publishes nothing.
        await RunOnceAsync(Config());
        Assert.Equal(first.Count + 2, Published().Count);
        Assert.Equal(2, _daraz.Calls(FakeDaraz.ItemsPath).Count);
    }

    [Fact]
    public async Task Run_ThrottledThen500ThenHang_RetriesSameCallsAndPublishesEachLineOnce()
    {
        _daraz.Put(Order(1), Order(2), Order(3));
        _daraz.Script(FakeDaraz.OrdersPath, FakeDarazReply.Throttled(status: 200), FakeDarazReply.Throttled(status: 429), FakeDarazReply.ServerError(500));
        _daraz.Script(FakeDaraz.ItemsPath, FakeDarazReply.Hang());

        await RunOnceAsync(Config(attemptTimeout: "00:00:02"));

        Assert.Empty(_daraz.Violations);
        Assert.Equal(3, Published().Count);
        Assert.Equal([200, 429, 500, 200], _daraz.Calls(FakeDaraz.OrdersPath).Select(c => c.Answer));
        Assert.Equal(["ApiCallLimit", "ApiCallLimit", null, "0"], _daraz.Calls(FakeDaraz.OrdersPath).Select(c => c.Code));
        Assert.Equal([0, 200], _daraz.Calls(FakeDaraz.ItemsPath).Select(c => c.Answer));
        Assert.Equal(Enumerable.Repeat("[1001,1002,1003]", 2), _daraz.Calls(FakeDaraz.ItemsPath).Select(c => c.Query["order_ids"]));
        Assert.NotNull(await Checkpoint());
    }

    [Fact]
    public async Task Run_NoCheckpointAndNoInitialWatermark_StartsThirtyDaysBack()
    {
        var config = Config();
        config.Remove("Stages:daraz-sync:InitialWatermark");

        await RunOnceAsync(config);

        Assert.Empty(_daraz.Violations);
        var call = Assert.Single(_daraz.Calls(FakeDaraz.OrdersPath));
        var from = DateTimeOffset.Parse(call.Query["update_after"], System.Globalization.CultureInfo.InvariantCulture);
        var before = DateTimeOffset.Parse(call.Query["update_before"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(before - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(-1), TimeSpan.Zero);
        Assert.InRange(before - from, TimeSpan.FromDays(30) - TimeSpan.FromSeconds(1), TimeSpan.FromDays(30));
        Assert.Empty(_daraz.Calls(FakeDaraz.ItemsPath));
        Assert.Null(await Checkpoint());
    }

    [Fact]
    public async Task Run_AccessTokenRejected_FailsWithoutPublishingOrCheckpoint()
    {
        _daraz.Put(Order(1));
        Assert.Equal(1, await RunOnceAsync(Config(accessToken: "expired-token")));

        var call = Assert.Single(_daraz.Requests);
        Assert.Equal(("IllegalAccessToken", 401), (call.Code, call.Answer));
        Assert.Equal(0, Broker.Count(Topics.MarketDaraz));
        Assert.Null(await Checkpoint());
    }

    [Theory]
    [InlineData("Stages:daraz-sync:AppKey", "Stages__daraz-sync__AppKey")]
    [InlineData("Stages:daraz-sync:AppSecret", "Stages__daraz-sync__AppSecret")]
    [InlineData("Stages:daraz-sync:AccessToken", "Stages__daraz-sync__AccessToken")]
    [InlineData("Stages:daraz-sync:MerchantId", "Stages__daraz-sync__MerchantId")]
    public async Task Start_CredentialMissing_FailsNamingTheSettingAndEnvironmentVariable(string key, string env)
    {
        var config = Config().With(key, "");
        using var host = RunCommand.Build(CommandLine.Parse(["--role", "daraz-sync"]), config);
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains($"{key} is not set (env {env})", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(AppSecret, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(AccessToken, ex.Message, StringComparison.Ordinal);
        Assert.Empty(_daraz.Requests);
    }
}
