using MillionX.Pipeline.Stages.ShopifySync;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class ShopifyWebhookStalenessTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private static byte[] Body(DateTimeOffset updated) =>
        Encoding.UTF8.GetBytes($$"""{"id":1,"updated_at":"{{updated:yyyy-MM-dd'T'HH:mm:sszzz}}","line_items":[]}""");

    [Theory]
    [InlineData("2026-11-24T10:00:27.877041743Z", "2026-11-24T10:00:27.8770417+00:00")]
    [InlineData("2026-11-24T10:00:27Z", "2026-11-24T10:00:27+00:00")]
    [InlineData("2026-11-24T16:00:27.5+06:00", "2026-11-24T10:00:27.5+00:00")]
    public void ParseTriggeredAt_ShopifyForms_TheInstant(string header, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), ShopifyWebhookEndpoint.ParseTriggeredAt(header));

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-11-24T10:00:27")]
    [InlineData("")]
    public void ParseTriggeredAt_NotAnInstantWithOffset_Null(string header) => Assert.Null(ShopifyWebhookEndpoint.ParseTriggeredAt(header));

    [Fact]
    public void Staleness_FreshDeliveryOfAFreshOrder_Null() =>
        Assert.Null(ShopifyWebhookEndpoint.Staleness(Body(Now.AddMinutes(-1)), Now.AddSeconds(-5), Now, Window));

    [Theory]
    [InlineData(-6)]
    [InlineData(6)]
    public void Staleness_TriggeredOutsideTheWindow_Stale(int minutes) =>
        Assert.StartsWith("triggered at", ShopifyWebhookEndpoint.Staleness(Body(Now), Now.AddMinutes(minutes), Now, Window), StringComparison.Ordinal);

    [Fact]
    public void Staleness_OldSignedBodyUnderAFreshHeader_Stale() =>
        Assert.StartsWith("order updated at", ShopifyWebhookEndpoint.Staleness(Body(Now.AddHours(-3)), Now, Now, Window), StringComparison.Ordinal);

    [Fact]
    public void Staleness_BodyNotJson_NotStaleSoTheGateDeadLettersIt() =>
        Assert.Null(ShopifyWebhookEndpoint.Staleness("not json"u8, Now, Now, Window));
}
