using System.Security.Cryptography;
using MillionX.Pipeline.Stages.ShopifySync;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class ShopifyWebhookSignatureTests
{
    private const string Secret = "hush";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"id":820982911946154508,"email":"jon@example.com"}""");

    [Fact]
    public void Compute_KnownInput_IsBase64OfHmacSha256OfTheRawBody()
    {
        var expected = Convert.ToBase64String(new HMACSHA256(Encoding.UTF8.GetBytes(Secret)).ComputeHash(Body));

        Assert.Equal(expected, ShopifyWebhookSignature.Compute(Body, Secret));
    }

    [Fact]
    public void Verify_MatchingHeader_True()
    {
        Assert.True(ShopifyWebhookSignature.Verify(Body, Secret, ShopifyWebhookSignature.Compute(Body, Secret)));
    }

    [Fact]
    public void Verify_BodyChangedByOneByte_False()
    {
        var header = ShopifyWebhookSignature.Compute(Body, Secret);
        var tampered = (byte[])Body.Clone();
        tampered[^2] ^= 1;

        Assert.False(ShopifyWebhookSignature.Verify(tampered, Secret, header));
    }

    [Fact]
    public void Verify_ReserialisedJson_False()
    {
        // The signature covers the raw bytes: the same JSON with other whitespace does not verify.
        var header = ShopifyWebhookSignature.Compute(Body, Secret);
        var reformatted = Encoding.UTF8.GetBytes("""{ "id": 820982911946154508, "email": "jon@example.com" }""");

        Assert.False(ShopifyWebhookSignature.Verify(reformatted, Secret, header));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("c2hvcnQ=")]
    public void Verify_MissingOrMalformedHeader_False(string? header)
    {
        Assert.False(ShopifyWebhookSignature.Verify(Body, Secret, header));
    }

    [Fact]
    public void Verify_OtherSecretOrEmptySecret_False()
    {
        var header = ShopifyWebhookSignature.Compute(Body, Secret);

        Assert.False(ShopifyWebhookSignature.Verify(Body, "other", header));
        Assert.False(ShopifyWebhookSignature.Verify(Body, "", ShopifyWebhookSignature.Compute(Body, "")));
    }

    [Fact]
    public void Verify_HexInsteadOfBase64_False()
    {
        var hex = Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Body));

        Assert.False(ShopifyWebhookSignature.Verify(Body, Secret, hex));
    }
}

public sealed class ShopifyWebhookDeduplicatorTests
{
    [Fact]
    public async Task Begin_SameIdAfterSuccess_DuplicateSeesProduced()
    {
        var d = new WebhookDeduplicator(10);
        var first = d.Begin("a");
        d.Complete(first, produced: true);

        var again = d.Begin("a");

        Assert.True(first.First);
        Assert.False(again.First);
        Assert.True(await again.Outcome);
    }

    [Fact]
    public async Task Begin_DuplicateWhileFirstInFlight_WaitsForFirstOutcome()
    {
        var d = new WebhookDeduplicator(10);
        var first = d.Begin("a");
        var dup = d.Begin("a");

        Assert.False(dup.Outcome.IsCompleted);
        d.Complete(first, produced: true);

        Assert.True(await dup.Outcome.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Complete_NotProduced_ForgetsIdSoRetryIsProcessed()
    {
        var d = new WebhookDeduplicator(10);
        var first = d.Begin("a");
        var dup = d.Begin("a");
        d.Complete(first, produced: false);

        Assert.False(await dup.Outcome);
        Assert.True(d.Begin("a").First);
    }

    [Fact]
    public void Begin_OverCapacity_ForgetsLeastRecentlySeen()
    {
        var d = new WebhookDeduplicator(3);
        foreach (var id in new[] { "a", "b", "c" })
        {
            d.Complete(d.Begin(id), true);
        }

        Assert.False(d.Begin("a").First); // a is now the most recent
        d.Complete(d.Begin("d"), true); // evicts b

        Assert.Equal(3, d.Count);
        Assert.True(d.Begin("b").First);
        Assert.False(d.Begin("a").First);
    }

    [Fact]
    public async Task Complete_AfterEviction_StillReleasesWaiters()
    {
        var d = new WebhookDeduplicator(1);
        var first = d.Begin("a");
        var dup = d.Begin("a");
        d.Begin("b"); // evicts a while in flight

        d.Complete(first, produced: true);

        Assert.True(await dup.Outcome.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
