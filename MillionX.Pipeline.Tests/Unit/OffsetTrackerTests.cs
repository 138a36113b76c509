using Confluent.Kafka;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class OffsetTrackerTests
{
    private static readonly TopicPartition P0 = new("source.market.shopify", new Partition(0));
    private static readonly TopicPartition P1 = new("source.market.shopify", new Partition(1));

    [Fact]
    public void Complete_InOrder_CommitsNextOffsetEachTime()
    {
        var p = new PartitionOffsets(P0);
        p.Begin(10);
        p.Begin(11);

        Assert.Equal(11, p.Complete(10));
        Assert.Equal(12, p.Complete(11));
        Assert.Equal(0, p.Pending);
    }

    [Fact]
    public void TakeStorable_GivesTheNewestPrefixOnceAndNothingUntilItGrowsAgain()
    {
        var p = new PartitionOffsets(P0);
        for (long o = 0; o < 5; o++)
        {
            p.Begin(o);
        }

        Assert.Null(p.TakeStorable());
        p.Complete(0);
        p.Complete(1);
        p.Complete(3);
        Assert.Equal(2, p.TakeStorable()); // the newest contiguous prefix, not one offset per record
        Assert.Null(p.TakeStorable());
        p.Complete(4);
        Assert.Null(p.TakeStorable());     // 2 is still open: the prefix did not grow
        p.Complete(2);
        Assert.Equal(5, p.TakeStorable());
    }

    [Fact]
    public void Complete_OutOfOrder_AdvancesOnlyTheContiguousPrefix()
    {
        var p = new PartitionOffsets(P0);
        p.Begin(1);
        p.Begin(2);
        p.Begin(3);

        Assert.Null(p.Complete(2));
        Assert.Equal(3, p.Pending);
        Assert.Equal(3, p.Complete(1));
        Assert.Equal(1, p.Pending);
        Assert.Equal(4, p.Complete(3));
        Assert.Equal(0, p.Pending);
    }

    [Fact]
    public void Complete_ReverseOrder_CommitsOnlyWhenTheFirstCompletes()
    {
        var p = new PartitionOffsets(P0);
        for (long o = 100; o < 110; o++)
        {
            p.Begin(o);
        }

        for (long o = 109; o > 100; o--)
        {
            Assert.Null(p.Complete(o));
        }

        Assert.Equal(110, p.Complete(100));
        Assert.Equal(0, p.Pending);
    }

    [Fact]
    public void Complete_GapsInOffsets_CommitAfterLastCompletedInPrefix()
    {
        var p = new PartitionOffsets(P0);
        p.Begin(5);
        p.Begin(9);
        p.Begin(20);

        Assert.Null(p.Complete(9));
        Assert.Equal(10, p.Complete(5));
        Assert.Equal(21, p.Complete(20));
    }

    [Fact]
    public void Complete_NothingInFlight_ReturnsNull()
    {
        Assert.Null(new PartitionOffsets(P0).Complete(3));
    }

    [Fact]
    public void For_SamePartition_ReturnsSameTracker()
    {
        var tracker = new OffsetTracker();

        Assert.Same(tracker.For(P0), tracker.For(new TopicPartition(P0.Topic, P0.Partition)));
        Assert.NotSame(tracker.For(P0), tracker.For(P1));
        Assert.Equal(P1, tracker.For(P1).Partition);
    }

    [Fact]
    public void InFlight_CountsPendingAcrossPartitions()
    {
        var tracker = new OffsetTracker();
        tracker.For(P0).Begin(0);
        tracker.For(P0).Begin(1);
        tracker.For(P1).Begin(7);
        Assert.Equal(3, tracker.InFlight);

        tracker.For(P0).Complete(1);
        Assert.Equal(3, tracker.InFlight);

        tracker.For(P0).Complete(0);
        Assert.Equal(1, tracker.InFlight);
    }

    [Fact]
    public void Revoke_Partition_MakesItInactiveAndDropsItsInFlight()
    {
        var tracker = new OffsetTracker();
        var p0 = tracker.For(P0);
        var p1 = tracker.For(P1);
        p0.Begin(0);
        p1.Begin(0);
        Assert.True(p0.Active);

        tracker.Revoke([P0]);

        Assert.False(p0.Active);
        Assert.True(p1.Active);
        Assert.Equal(1, tracker.InFlight);
    }

    [Fact]
    public void For_AfterRevoke_StartsFreshActiveTracker()
    {
        var tracker = new OffsetTracker();
        var old = tracker.For(P0);
        old.Begin(0);
        tracker.Revoke([P0]);

        var fresh = tracker.For(P0);

        Assert.NotSame(old, fresh);
        Assert.True(fresh.Active);
        Assert.Equal(0, fresh.Pending);
    }

    [Fact]
    public void RevokeAll_EveryPartitionInactive()
    {
        var tracker = new OffsetTracker();
        var p0 = tracker.For(P0);
        var p1 = tracker.For(P1);
        p0.Begin(3);

        tracker.RevokeAll();

        Assert.False(p0.Active);
        Assert.False(p1.Active);
        Assert.Equal(0, tracker.InFlight);
    }

    [Fact]
    public void Revoke_UnknownPartition_NoEffect()
    {
        var tracker = new OffsetTracker();
        var p0 = tracker.For(P0);
        p0.Begin(1);

        tracker.Revoke([P1]);

        Assert.True(p0.Active);
        Assert.Equal(1, tracker.InFlight);
    }

    [Fact]
    public async Task Complete_ConcurrentCompletions_FinalCommitCoversEverything()
    {
        var p = new PartitionOffsets(P0);
        const int count = 10_000;
        for (long o = 0; o < count; o++)
        {
            p.Begin(o);
        }

        var commits = new System.Collections.Concurrent.ConcurrentBag<long>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            for (long o = w; o < count; o += 8)
            {
                if (p.Complete(o) is { } c)
                {
                    commits.Add(c);
                }
            }
        })));

        Assert.Equal(count, commits.Max());
        Assert.Equal(0, p.Pending);
    }
}
