using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Observability;
using Xunit.Abstractions;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// Stopping the host while the enricher, the warehouse sink and the vector writer are mid-batch: no store or
/// connection is closed under a worker that still writes (that once surfaced as a fatal
/// "ExecuteNonQuery requires an open connection" from the enricher), no stage fails, and the DuckDB file reopens.
/// </summary>
// Times stops and kills of real processes: run alone, after the parallel tests, so two cores shared with
// the rest of the suite do not decide the outcome.
[Collection(Reliability.SerialReliabilityCollection.Name)]
public sealed class StopTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(0)]
    [InlineData(350)]
    [InlineData(900)]
    public async Task Stop_WhileEveryDuckDbWriterIsBusy_NoStoreClosedUnderAWriterNoStageFails(int extraMs)
    {
        using var broker = new TestBroker();
        var config = broker.Config()
            .With("Stages:sample-source:RatePerSecond", "3000")
            .With("Stages:sample-source:InvalidShare", "0")
            .With("Stages:warehouse-sink:DuckDbMaxBatchAge", "00:00:00.100")
            .With("Stages:context-enricher:MaxStaleness", "00:00:00");
        var duckdb = config["Warehouse:DuckDb:Path"]!;
        var host = RunCommand.Build(CommandLine.Parse(["--profile", "local"]), config);
        var errors = host.Services.GetRequiredService<RecentErrors>();
        var registry = host.Services.GetRequiredService<StageRegistry>();
        var metrics = host.Services.GetRequiredService<PipelineMetrics>();
        var enricher = host.Services.GetRequiredService<Stages.ContextEnricher.ContextEnricherStage>();
        try
        {
            await host.StartAsync();
            Assert.True(await TestConfig.Eventually(
                () => metrics.Stage("warehouse-sink").Out > 0 && metrics.Stage("embedding-service").Out > 0 && enricher.Catalogue.Count > 0,
                TimeSpan.FromSeconds(60)), "the writers never got busy");
            await Task.Delay(extraMs);
            await host.StopAsync();
        }
        finally
        {
            await ((IAsyncDisposable)host).DisposeAsync();
        }

        var bad = errors.Snapshot().Where(e => e.Level is "Error" or "Fatal").ToList();
        foreach (var e in bad)
        {
            output.WriteLine($"{e.Level} {e.Source}: {e.Message} {e.Exception}");
        }

        Assert.Empty(bad);
        Assert.DoesNotContain(registry.All, s => s.State == StageState.Failed);
        Assert.True(DuckDbQuery.Scalar(duckdb, "select count(*) from ORDERS") > 0);
        Assert.True(DuckDbQuery.Scalar(duckdb, "select count(*) from POST_VECTORS") > 0);
        Assert.True(DuckDbQuery.Scalar(duckdb, "select count(*) from PRODUCT_CATALOGUE") > 0);
    }
}
