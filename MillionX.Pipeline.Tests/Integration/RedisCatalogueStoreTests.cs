using Microsoft.Extensions.Logging.Abstractions;
using MillionX.Pipeline.Stages.ContextEnricher;

namespace MillionX.Pipeline.Tests.Integration;

public sealed class RedisCatalogueStoreTests
{
    private static AnonymisedOrder Order(string id, decimal price, int minutes) => new()
    {
        Platform = "shopify", OrderId = $"O-{minutes}", MerchantId = "M", ProductId = id, ProductName = $"Name {id} {minutes}", Quantity = 1, Price = price,
        Currency = "BDT", OrderStatus = "paid", Timestamp = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero).AddMinutes(minutes), HashKeyId = "k1",
    };

    [Fact]
    public async Task Upsert_ConcurrentReplicas_FoldEveryOrderAtomically()
    {
        using var redis = new RedisServer();
        var prefix = $"t{Guid.NewGuid():N}:";
        await using var a = new RedisCatalogueStore(redis.Connection, prefix, NullLogger<RedisCatalogueStore>.Instance);
        await using var b = new RedisCatalogueStore(redis.Connection, prefix, NullLogger<RedisCatalogueStore>.Instance);
        var orders = Enumerable.Range(0, 400).Select(i => Order($"P-{i % 4}", 1000 + i, i)).ToList();

        await Task.WhenAll(
            Task.Run(() => a.UpsertAsync(orders.Where((_, i) => i % 2 == 0).ToList(), CancellationToken.None)),
            Task.Run(() => b.UpsertAsync(orders.Where((_, i) => i % 2 == 1).ToList(), CancellationToken.None)));

        var products = (await a.LoadAsync(CancellationToken.None)).OrderBy(p => p.ProductId).ToList();
        Assert.Equal(4, products.Count);
        var expected = orders.GroupBy(o => o.ProductId).OrderBy(g => g.Key)
            .Select(g => g.Aggregate((CatalogueProduct?)null, CatalogueProduct.Merge)!).ToList();
        Assert.Equal(expected, products);
        Assert.Equal(100, products[0].TimesSeen);
        Assert.Equal(1396, products[0].LatestPrice);
    }

    [Fact]
    public async Task Upsert_RedisDown_TransientFailureThenRecovers()
    {
        using var redis = new RedisServer();
        await using var store = new RedisCatalogueStore(redis.Connection, $"t{Guid.NewGuid():N}:", NullLogger<RedisCatalogueStore>.Instance);
        await store.UpsertAsync([Order("P-1", 10, 1)], CancellationToken.None);

        redis.Stop();
        await Assert.ThrowsAsync<TransientCatalogueException>(() => store.UpsertAsync([Order("P-1", 20, 2)], CancellationToken.None));

        redis.Start();
        Assert.True(await TestConfig.Eventually(() =>
        {
            try
            {
                store.UpsertAsync([Order("P-2", 30, 3)], CancellationToken.None).GetAwaiter().GetResult();
                return true;
            }
            catch (TransientCatalogueException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20)));
        var products = await store.LoadAsync(CancellationToken.None);
        Assert.Contains(products, p => p.ProductId == "P-2");
    }

    /// <summary>
    /// The host disposes its stores once the stages stopped; a write still under way then (Redis slow to answer) must
    /// finish on an open connection, and nothing may reach Redis through the store afterwards, not even by reconnecting.
    /// </summary>
    [Fact]
    public async Task Dispose_WhileAnUpsertWaitsOnRedis_WaitsForItThenRefusesLaterCallsWithoutReconnecting()
    {
        using var redis = new RedisServer();
        var prefix = $"t{Guid.NewGuid():N}:";
        var store = new RedisCatalogueStore(redis.Connection, prefix, NullLogger<RedisCatalogueStore>.Instance);
        await store.UpsertAsync([Order("P-1", 10, 1)], CancellationToken.None);

        // Redis frozen: the batch's scripts are sent and wait for their replies, as a batch mid-write at the stop does.
        redis.Pause();
        Task write;
        Task dispose;
        try
        {
            write = store.UpsertAsync([Order("P-2", 20, 2), Order("P-3", 30, 3)], CancellationToken.None);
            await Task.Delay(200);
            Assert.False(write.IsCompleted, "the write did not wait on the paused server");
            dispose = store.DisposeAsync().AsTask();
            await Task.Delay(300);
            Assert.False(dispose.IsCompleted, "the connection was closed under the writing call");
        }
        finally
        {
            redis.Resume();
        }

        await write; // answered on the open connection
        await dispose;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.UpsertAsync([Order("P-4", 40, 4)], CancellationToken.None));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.LoadAsync(CancellationToken.None));
        await using var reader = new RedisCatalogueStore(redis.Connection, prefix, NullLogger<RedisCatalogueStore>.Instance);
        var products = (await reader.LoadAsync(CancellationToken.None)).Select(p => p.ProductId).Order().ToList();
        Assert.Equal(["P-1", "P-2", "P-3"], products);
    }
}
