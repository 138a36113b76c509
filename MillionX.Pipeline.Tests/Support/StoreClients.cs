using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using MillionX.Pipeline.Stages.WarehouseSink;
using MillionX.Pipeline.VectorStore;
using MillionX.Pipeline.Warehouse;
using MillionX.Pipeline.Warehouse.Snowflake;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>
/// The Snowflake and Weaviate clients built the production way: the production registration (<c>AddWarehouse</c>,
/// <c>AddVectorStore</c>: a named HttpClient from IHttpClientFactory behind its resilience handler) in a container with
/// the test's options, clock and a fake logger. Dispose it to dispose the clients.
/// </summary>
public sealed class StoreClients : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private StoreClients(ServiceProvider services) => _services = services;

    /// <summary>Every log line of the container's loggers (the retry warnings included).</summary>
    public FakeLogCollector Logs => _services.GetFakeLogCollector();

    /// <summary>The retry warnings the client's resilience handler logged, in order.</summary>
    public List<string> RetryWarnings<TClient>() => Logs.GetSnapshot()
        .Where(l => l.Level == LogLevel.Warning && l.Category == typeof(TClient).FullName && l.Message.Contains("retrying", StringComparison.Ordinal))
        .Select(l => l.Message)
        .ToList();

    /// <summary>
    /// After a first failed request: waits for the one retry warning, checks it announces <paramref name="delay"/>,
    /// waits for the backoff's timer, advances <paramref name="clock"/> to just short of it and checks nothing was
    /// resent, then to it.
    /// </summary>
    public async Task PassRetryDelayAsync<TClient>(ObservableClock clock, TimeSpan delay, Func<int> requests)
    {
        Assert.True(await TestConfig.Eventually(() => RetryWarnings<TClient>().Count == 1, TimeSpan.FromSeconds(10)));
        Assert.Contains($"retrying in {delay.TotalSeconds:0.000} s", Assert.Single(RetryWarnings<TClient>()), StringComparison.Ordinal);

        // The backoff's timer is set after the warning is logged; moving the clock before it exists would set it a whole
        // delay after the new time, and the retry would never come.
        await clock.WaitForTimerAsync(delay);
        clock.Advance(delay - TimeSpan.FromMilliseconds(100));
        await Task.Delay(300);
        Assert.Equal(1, requests());
        clock.Advance(TimeSpan.FromMilliseconds(100));
    }

    public SnowflakeSqlApiClient SnowflakeClient => _services.GetRequiredService<SnowflakeSqlApiClient>();

    public IWarehouseWriter Warehouse => _services.GetRequiredService<IWarehouseWriter>();

    public WeaviateVectorStore Weaviate => (WeaviateVectorStore)_services.GetRequiredService<IVectorStore>();

    public static StoreClients ForSnowflake(SnowflakeOptions options, TimeProvider? clock = null) => Build(clock, builder =>
    {
        builder.AddWarehouse();
        builder.Services.Configure<WarehouseOptions>(o =>
        {
            o.Writer = "snowflake";
            o.Snowflake = options;
        });
    });

    public static StoreClients ForWeaviate(WeaviateOptions options, TimeProvider? clock = null) => Build(clock, builder =>
    {
        builder.AddVectorStore();
        builder.Services.Configure<VectorStoreOptions>(o =>
        {
            o.Store = "weaviate";
            o.Weaviate = options;
        });
    });

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    private static StoreClients Build(TimeProvider? clock, Action<HostApplicationBuilder> register)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection([]);
        builder.Services.AddSingleton(clock ?? TimeProvider.System);
        builder.Logging.AddFakeLogging();
        register(builder);
        var services = builder.Services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        return new StoreClients(services);
    }
}
