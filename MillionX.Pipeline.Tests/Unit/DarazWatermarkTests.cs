using MillionX.Pipeline.Stages.DarazSync;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class DarazWatermarkTests
{
    private static readonly TimeSpan Dhaka = TimeSpan.FromHours(6);
    private static readonly DateTimeOffset T = new(2026, 11, 20, 10, 0, 0, Dhaka);

    [Fact]
    public void Advance_PageSortedByUpdatedAt_KeepsNewestSecondAndItsIds()
    {
        var mark = DarazWatermark.Start(T).Advance([("1", T), ("2", T.AddSeconds(5)), ("3", T.AddSeconds(5))]);
        Assert.Equal(T.AddSeconds(5), mark.UpdatedAt);
        Assert.Equal(["2", "3"], mark.OrderIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Advance_SameSecondAsBefore_AddsToTheIds()
    {
        var mark = DarazWatermark.Start(T).Advance([("1", T)]).Advance([("2", T)]);
        Assert.Equal(["1", "2"], mark.OrderIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Covers_BoundarySecond_OnlyTheOrdersPublishedAtIt()
    {
        var mark = DarazWatermark.Start(T).Advance([("1", T)]);
        Assert.True(mark.Covers("1", T));
        Assert.True(mark.Covers("1", T.ToUniversalTime()));
        Assert.False(mark.Covers("2", T));
        Assert.True(mark.Covers("9", T.AddSeconds(-1)));
        Assert.False(mark.Covers("1", T.AddSeconds(1)));
    }

    [Fact]
    public void Format_ThenParse_RoundTrips()
    {
        var mark = DarazWatermark.Start(T).Advance([("710000017", T), ("710000018", T)]);
        var text = mark.Format();
        Assert.Equal("""{"updated_at":"2026-11-20T10:00:00+06:00","order_ids":["710000017","710000018"]}""", text);
        var back = DarazWatermark.Parse(text);
        Assert.Equal(mark.UpdatedAt, back.UpdatedAt);
        Assert.Equal(mark.OrderIds.Order(StringComparer.Ordinal), back.OrderIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parse_BareTimestamp_StartsThereWithNoIds()
    {
        var mark = DarazWatermark.Parse("2026-11-01T00:00:00+06:00");
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, Dhaka), mark.UpdatedAt);
        Assert.Empty(mark.OrderIds);
    }
}
