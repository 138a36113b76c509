using MillionX.Pipeline.Warehouse;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>The one DuckDB connection type of the stores: a close never lands under a call that is still writing.</summary>
public sealed class DuckDbSessionTests
{
    [Fact]
    public async Task Dispose_WhileACallWrites_WaitsForItThenRefusesLaterCallsWithoutReopening()
    {
        var path = TestConfig.TempDuckDb();
        var opened = 0;
        var session = new DuckDbSession(path, c =>
        {
            Interlocked.Increment(ref opened);
            c.Execute("CREATE TABLE IF NOT EXISTS T (X INTEGER)");
            return c;
        });
        using var writing = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var write = Task.Run(() => session.RunAsync(c =>
        {
            writing.Set();
            release.Wait(TimeSpan.FromSeconds(30)); // a batch in progress when the host disposes its stores
            c.Execute("INSERT INTO T VALUES (1)");
        }, CancellationToken.None));
        Assert.True(writing.Wait(TimeSpan.FromSeconds(10)));

        // The write is held until the test lets it go, so however slow this machine is, the dispose cannot have finished
        // unless it closed the connection under the writing call.
        var dispose = session.DisposeAsync().AsTask();
        await Task.Delay(200);
        Assert.False(dispose.IsCompleted, "the connection was closed under the writing call");
        release.Set();
        await write; // the write finished on an open connection (it would throw otherwise)
        await dispose;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.RunAsync(c => c.Execute("INSERT INTO T VALUES (2)"), CancellationToken.None));
        Assert.Equal(1, opened);
        Assert.Equal(1, DuckDbQuery.Scalar(path, "select count(*) from T"));
    }

    [Fact]
    public async Task Open_MemoryLimitThatIsNotASize_FailsBeforeAnySqlRuns()
    {
        var path = TestConfig.TempDuckDb();
        var session = new DuckDbSession(path, c => c, "1GB'; CREATE TABLE INJECTED (X INTEGER); SET memory_limit = '1GB");

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => session.RunAsync(_ => { }, CancellationToken.None));
        Assert.Contains("not a DuckDB memory limit", ex.Message, StringComparison.Ordinal);
        await session.DisposeAsync();
        Assert.Equal(0, DuckDbQuery.Scalar(path, "select count(*) from information_schema.tables where table_name = 'INJECTED'"));
    }
}
