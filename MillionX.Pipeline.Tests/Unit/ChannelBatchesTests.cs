using System.Threading.Channels;
using MillionX.Pipeline.Hosting;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class ChannelBatchesTests
{
    [Fact]
    public async Task FullBatch_ClosesAtMax_AndTheRestWaitsForTheNext()
    {
        var channel = Channel.CreateUnbounded<int>();
        for (var i = 0; i < 7; i++)
        {
            channel.Writer.TryWrite(i);
        }

        var batch = new List<int>();
        Assert.True(await ChannelBatches.ReadAsync(channel.Reader, batch, 5, TimeSpan.FromMinutes(5), CancellationToken.None));
        Assert.Equal([0, 1, 2, 3, 4], batch);

        channel.Writer.Complete();
        Assert.True(await ChannelBatches.ReadAsync(channel.Reader, batch, 5, TimeSpan.FromMinutes(5), CancellationToken.None));
        Assert.Equal([5, 6], batch);
        Assert.False(await ChannelBatches.ReadAsync(channel.Reader, batch, 5, TimeSpan.FromMinutes(5), CancellationToken.None));
        Assert.Empty(batch);
    }

    [Fact]
    public async Task PartialBatch_ClosesWhenItsFirstItemIsOldEnough()
    {
        var channel = Channel.CreateUnbounded<int>();
        channel.Writer.TryWrite(1);
        var batch = new List<int>();

        // Max is never reached and the channel stays open: only the age can close this batch.
        Assert.True(await ChannelBatches.ReadAsync(channel.Reader, batch, 100, TimeSpan.FromMilliseconds(50), CancellationToken.None));
        Assert.Equal([1], batch);
    }

    [Fact]
    public async Task Shutdown_HandsBackWhatIsQueuedAndWhatStillArrives_UntilTheQueueCompletes()
    {
        var channel = Channel.CreateUnbounded<int>();
        channel.Writer.TryWrite(1);
        channel.Writer.TryWrite(2);
        using var stopped = new CancellationTokenSource();
        await stopped.CancelAsync();
        var batch = new List<int>();

        Assert.True(await ChannelBatches.ReadAsync(channel.Reader, batch, 10, TimeSpan.FromMinutes(5), stopped.Token));
        Assert.Equal([1, 2], batch);

        // The consumer hands over one more record it had already read, then completes the queue.
        var next = ChannelBatches.ReadAsync(channel.Reader, batch, 10, TimeSpan.FromMinutes(5), stopped.Token);
        Assert.False(next.IsCompleted);
        channel.Writer.TryWrite(3);
        Assert.True(await next);
        Assert.Equal([3], batch);

        var last = ChannelBatches.ReadAsync(channel.Reader, batch, 10, TimeSpan.FromMinutes(5), stopped.Token);
        channel.Writer.Complete();
        Assert.False(await last);
        Assert.Empty(batch);
    }
}
