using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Sources;
using MillionX.Pipeline.Stages.ShopifySync;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>The shopify-sync stage in the real host (--role shopify-sync, --once) against the fake GraphQL Admin API and the embedded broker.</summary>
public sealed class ShopifySyncTests : BrokerTest
{
    // Whole minutes, hours in the past: inside the 7-day first lookback and before the 1-minute settle delay.
    private static readonly DateTimeOffset Base = ShopifyQueries.TruncateToSeconds(DateTimeOffset.UtcNow.AddHours(-3));

    private string Checkpoints => Path.Combine(TempDir, "checkpoints");

    private Dictionary<string, string?> Config(FakeShopify shop) => Broker.Config()
        .WithShop(shop)
        .With("Stages:shopify-sync:PageSize", "15")
        .With("Stages:shopify-sync:LineItemsPerOrder", "2")
        .With("Sources:Once", "true")
        .With("Sources:Checkpoints:Directory", Checkpoints)
        .With("Sources:Resilience:RetryDelay", "00:00:00.010")
        .With("Sources:Resilience:AttemptTimeout", "00:00:10");

    /// <summary>One --once run in its own host; returns the exit code it set and the stage's final status.</summary>
    internal static async Task<(int ExitCode, StageStatus Status)> RunOnceAsync(Dictionary<string, string?> config)
    {
        using var host = RunCommand.Build(CommandLine.Parse(["--role", "shopify-sync"]), config);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        await host.StartAsync(timeout.Token);
        await host.WaitForShutdownAsync(timeout.Token);
        Assert.False(timeout.IsCancellationRequested, "the --once run did not finish");
        var registry = host.Services.GetRequiredService<StageRegistry>();
        return (registry.ExitCode, registry.Get(ShopifySyncStage.StageName));
    }

    /// <summary><paramref name="count"/> orders put in the shop: ids from 1001, updated one a minute apart from <see cref="Base"/>.</summary>
    private static List<FakeShopifyOrder> InShop(FakeShopify shop, int count)
    {
        var orders = FakeShopify.Generate(count, 1001, Base, TimeSpan.FromMinutes(1));
        shop.Upsert(orders);
        return orders;
    }

    private Task<string?> Checkpoint(FakeShopify shop) =>
        new FileCheckpointStore(Checkpoints).GetAsync(ShopifySyncStage.CheckpointKey(shop.Host), CancellationToken.None);

    private List<(string Key, MarketOrder Order)> Records() => Broker.ReadAll(Topics.MarketShopify)
        .Select(m => (Encoding.UTF8.GetString(m.Message.Key!), JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.MarketOrder)!))
        .ToList();

    private static int Lines(IEnumerable<FakeShopifyOrder> orders) => orders.Sum(o => o.Lines.Count);

    [Fact]
    public async Task Run_37OrdersOver3Pages_EveryLineOnceAndCheckpointAtNewestUpdate()
    {
        await using var shop = await FakeShopify.StartAsync();
        var orders = InShop(shop, 37);

        var (exit, status) = await RunOnceAsync(Config(shop));

        Assert.Equal(0, exit);
        Assert.Equal(StageState.Stopped, status.State);
        Assert.Empty(shop.Violations);
        Assert.Equal(92, Lines(orders));
        Assert.Equal(92, Broker.Count(Topics.MarketShopify));
        Assert.Equal(0, Broker.Count(Topics.DeadLettersMarket));

        var records = Records();
        Assert.All(records, r => Assert.Equal(r.Order.OrderId, r.Key));
        var byOrder = records.GroupBy(r => r.Order.OrderId).ToDictionary(g => g.Key, g => g.Select(r => r.Order).ToList());
        Assert.Equal(orders.Select(o => o.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(), byOrder.Keys.Order());
        foreach (var o in orders)
        {
            var got = byOrder[o.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            Assert.Equal(
                o.Lines.Select(l => (l.ProductId is { } p ? p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "sku:" + l.Sku, l.Title, l.Quantity, l.Price)).Order(),
                got.Select(r => (r.ProductId, r.ProductName, r.Quantity, r.Price)).Order());
            Assert.All(got, r =>
            {
                Assert.Equal("shopify", r.Platform);
                Assert.Equal(shop.Host, r.MerchantId);
                Assert.Equal("BDT", r.Currency);
                Assert.Equal(o.CreatedAt, r.Timestamp);
                Assert.Equal(o.Phone ?? o.CustomerPhone, r.CustomerPhone);
                Assert.Equal(ShopifyOrderMapper.MapStatus(o.Financial, o.Fulfillment, o.Cancelled), r.OrderStatus);
            });
        }

        // Three pages by cursor, one filter, and a follow-up query for each order with more than 2 lines.
        var pages = shop.Requests.Where(r => r.Operation == "orders").ToList();
        Assert.Equal(3, pages.Count);
        Assert.Null(pages[0].After);
        Assert.All(pages.Skip(1), p => Assert.NotNull(p.After));
        Assert.Single(pages.Select(p => p.Search).Distinct());
        Assert.Equal(orders.Count(o => o.Lines.Count > 2), shop.Requests.Count(r => r.Operation == "lineItems"));
        Assert.Equal(ShopifyQueries.Format(orders.Max(o => o.UpdatedAt)), await Checkpoint(shop));
    }

    [Fact]
    public async Task Run_Twice_SecondRunReadsOnlyOrdersUpdatedAfterTheCheckpoint()
    {
        await using var shop = await FakeShopify.StartAsync();
        var orders = InShop(shop, 37);
        Assert.Equal(0, (await RunOnceAsync(Config(shop))).ExitCode);
        var firstWatermark = await Checkpoint(shop);
        var firstRunRequests = shop.Requests.Count;

        var added = FakeShopify.Generate(5, 2001, Base.AddMinutes(60), TimeSpan.FromMinutes(1));
        var updated = orders[0] with { UpdatedAt = Base.AddMinutes(70), Fulfillment = "FULFILLED" };
        shop.Upsert([.. added, updated]);
        Assert.Equal(0, (await RunOnceAsync(Config(shop))).ExitCode);

        Assert.Empty(shop.Violations);
        var secondRun = shop.Requests.Skip(firstRunRequests).Where(r => r.Operation == "orders").ToList();
        Assert.StartsWith($"updated_at:>'{firstWatermark}' AND updated_at:<='", Assert.Single(secondRun).Search, StringComparison.Ordinal);
        Assert.Equal(92 + Lines(added) + updated.Lines.Count, Broker.Count(Topics.MarketShopify));
        var again = Records().Where(r => r.Key == "1001").Select(r => r.Order.OrderStatus).ToList();
        Assert.Equal(2 * updated.Lines.Count, again.Count);
        Assert.Contains("fulfilled", again);
        Assert.Equal(ShopifyQueries.Format(Base.AddMinutes(70)), await Checkpoint(shop));
    }

    [Fact]
    public async Task Run_Throttled_WaitsForTheBucketRetriesTheSamePageAndCompletes()
    {
        await using var shop = await FakeShopify.StartAsync(maximumAvailable: 2000, restoreRate: 1000);
        var orders = InShop(shop, 37);
        // The first page asks for 197 points; with 52 available at 1000/s the bucket needs 145 ms.
        shop.Script(FakeShopifyReply.Throttled(available: 52), FakeShopifyReply.Throttled(available: 52));

        var (exit, _) = await RunOnceAsync(Config(shop));

        Assert.Equal(0, exit);
        Assert.Empty(shop.Violations);
        var requests = shop.Requests;
        Assert.Equal([true, true, false], requests.Take(3).Select(r => r.Throttled));
        Assert.All(requests.Take(3), r => Assert.Null(r.After));
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromMilliseconds(140), $"waited {requests[1].At - requests[0].At}");
        Assert.True(requests[2].At - requests[1].At >= TimeSpan.FromMilliseconds(140), $"waited {requests[2].At - requests[1].At}");
        Assert.Equal(Lines(orders), Broker.Count(Topics.MarketShopify));
    }

    [Fact]
    public async Task Run_SmallCostBucket_PacesQueriesAndIsNeverThrottled()
    {
        // Each query asks for ~200 points of a 250-point bucket: back to back, every second query would be THROTTLED.
        await using var shop = await FakeShopify.StartAsync(maximumAvailable: 250, restoreRate: 2000);
        var orders = InShop(shop, 37);

        var (exit, _) = await RunOnceAsync(Config(shop));

        Assert.Equal(0, exit);
        Assert.Empty(shop.Violations);
        Assert.DoesNotContain(shop.Requests, r => r.Throttled);
        Assert.Equal(3 + orders.Count(o => o.Lines.Count > 2), shop.Requests.Count);
        Assert.Equal(Lines(orders), Broker.Count(Topics.MarketShopify));
    }

    [Fact]
    public async Task Run_ServerErrorsAnd429_RetriedAndCompletes()
    {
        await using var shop = await FakeShopify.StartAsync();
        var orders = InShop(shop, 37);
        shop.Script(FakeShopifyReply.ServerError(500), FakeShopifyReply.TooManyRequests(), FakeShopifyReply.ServerError(503));

        var (exit, _) = await RunOnceAsync(Config(shop));

        Assert.Equal(0, exit);
        Assert.Equal([500, 429, 503, 200], shop.Requests.Take(4).Select(r => r.Answer));
        Assert.Equal(Lines(orders), Broker.Count(Topics.MarketShopify));
    }

    [Fact]
    public async Task Run_RequestHangs_AttemptTimesOutAndIsRetried()
    {
        await using var shop = await FakeShopify.StartAsync();
        var orders = InShop(shop, 12);
        shop.Script(FakeShopifyReply.Hang());

        var (exit, _) = await RunOnceAsync(Config(shop).With("Sources:Resilience:AttemptTimeout", "00:00:02"));

        Assert.Equal(0, exit);
        Assert.Equal([0, 200], shop.Requests.Take(2).Select(r => r.Answer));
        Assert.Equal(Lines(orders), Broker.Count(Topics.MarketShopify));
        Assert.Equal(ShopifyQueries.Format(orders.Max(o => o.UpdatedAt)), await Checkpoint(shop));
    }

    [Fact]
    public async Task Run_ServerDownThroughAllRetries_FailsAndKeepsTheCheckpoint()
    {
        await using var shop = await FakeShopify.StartAsync();
        shop.Upsert(FakeShopify.Generate(5, 1001, Base, TimeSpan.FromMinutes(1)));
        shop.Script([.. Enumerable.Repeat(FakeShopifyReply.ServerError(502), 10)]);

        var (exit, _) = await RunOnceAsync(Config(shop).With("Sources:Resilience:MaxRetries", "2"));

        Assert.Equal(1, exit);
        Assert.Equal(3, shop.Requests.Count);
        Assert.Equal(0, Broker.Count(Topics.MarketShopify));
        Assert.Null(await Checkpoint(shop));
    }

    [Fact]
    public async Task Run_WrongAccessToken_FailsNamingTheSettingWithoutRecordsOrCheckpoint()
    {
        await using var shop = await FakeShopify.StartAsync();
        shop.Upsert(FakeShopify.Generate(5, 1001, Base, TimeSpan.FromMinutes(1)));

        var (exit, status) = await RunOnceAsync(Config(shop).With("Stages:shopify-sync:AccessToken", "shpat_revoked"));

        Assert.Equal(1, exit);
        Assert.Equal(StageState.Failed, status.State);
        Assert.Contains("401", status.Error, StringComparison.Ordinal);
        Assert.Contains(ShopifyOptions.AccessTokenEnvironmentVariable, status.Error, StringComparison.Ordinal);
        Assert.Equal(0, Broker.Count(Topics.MarketShopify));
        Assert.Null(await Checkpoint(shop));
    }

    [Fact]
    public async Task Start_MissingAccessToken_HostFailsNamingTheEnvironmentVariable()
    {
        await using var shop = await FakeShopify.StartAsync();
        using var host = RunCommand.Build(CommandLine.Parse(["--role", "shopify-sync"]), Config(shop).With("Stages:shopify-sync:AccessToken", ""));

        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Stages:shopify-sync:AccessToken", ex.Message, StringComparison.Ordinal);
        Assert.Contains(ShopifyOptions.AccessTokenEnvironmentVariable, ex.Message, StringComparison.Ordinal);
        Assert.Empty(shop.Requests);
    }
}
