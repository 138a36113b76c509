using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Stages.ShopifySync;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// shopify-sync creating its orders/create webhook subscription through the GraphQL Admin API (#15 point 5), in the real
/// host against the fake shop: once, never twice, and Shopify's userErrors stop the stage with their message.
/// </summary>
public sealed class ShopifyWebhookSubscriptionTests : BrokerTest
{
    private const string Callback = "https://pipeline.example.com/webhooks/shopify/orders-create";

    private static readonly DateTimeOffset Base = ShopifyQueries.TruncateToSeconds(DateTimeOffset.UtcNow.AddHours(-3));

    private Dictionary<string, string?> Config(FakeShopify shop, string callback = Callback) => Broker.Config()
        .WithShop(shop)
        .With("Stages:shopify-sync:WebhookSecret", FakeShopify.WebhookSecret)
        .With("Stages:shopify-sync:Webhook:Subscribe", "true")
        .With("Stages:shopify-sync:Webhook:CallbackUrl", callback)
        .With("Sources:Once", "true")
        .With("Sources:Checkpoints:Directory", Path.Combine(TempDir, "checkpoints"))
        .With("Sources:Resilience:RetryDelay", "00:00:00.010");

    private static int Count(FakeShopify shop, string operation) => shop.Requests.Count(r => r.Operation == operation);

    [Fact]
    public async Task Run_SubscribeConfigured_CreatesTheSubscriptionOnceAcrossRestarts()
    {
        await using var shop = await FakeShopify.StartAsync();
        shop.AddWebhookSubscription("ORDERS_CREATE", "https://old-pipeline.example.com/webhooks/shopify/orders-create");
        shop.Upsert(FakeShopify.Generate(3, 1001, Base, TimeSpan.FromMinutes(1)));

        Assert.Equal(0, (await ShopifySyncTests.RunOnceAsync(Config(shop))).ExitCode);
        // A second process (a restart, or another replica) finds it and creates nothing.
        Assert.Equal(0, (await ShopifySyncTests.RunOnceAsync(Config(shop))).ExitCode);

        Assert.Empty(shop.Violations);
        Assert.Equal(2, shop.WebhookSubscriptions.Count);
        var created = shop.WebhookSubscriptions[1];
        Assert.Equal(("ORDERS_CREATE", Callback, "JSON"), (created.Topic, created.Uri, created.Format));
        Assert.Equal(1, Count(shop, "webhookSubscriptionCreate"));
        Assert.Equal(2, Count(shop, "webhookSubscriptions"));
        // The orders are still synced on both runs (the second finds none newer than its checkpoint).
        Assert.Equal(shop.Orders.Sum(o => o.Lines.Count), Broker.Count(Topics.MarketShopify));
    }

    [Fact]
    public async Task Run_AlreadySubscribedWithAnotherSpelling_CreatesNothing()
    {
        await using var shop = await FakeShopify.StartAsync();
        shop.AddWebhookSubscription("ORDERS_CREATE", "https://PIPELINE.example.com:443/webhooks/shopify/orders-create");

        Assert.Equal(0, (await ShopifySyncTests.RunOnceAsync(Config(shop))).ExitCode);

        Assert.Empty(shop.Violations);
        Assert.Single(shop.WebhookSubscriptions);
        Assert.Equal(0, Count(shop, "webhookSubscriptionCreate"));
    }

    [Fact]
    public async Task Run_ShopifyRefusesTheAddress_StageFailsWithShopifysMessageAndTheSetting()
    {
        await using var shop = await FakeShopify.StartAsync();
        shop.Upsert(FakeShopify.Generate(3, 1001, Base, TimeSpan.FromMinutes(1)));

        var (exit, status) = await ShopifySyncTests.RunOnceAsync(Config(shop, "https://mystore.myshopify.com/webhooks/shopify/orders-create"));

        Assert.Equal(1, exit);
        Assert.Equal(StageState.Failed, status.State);
        Assert.Contains("webhookSubscription.uri: Address cannot be a Shopify or an internal domain", status.Error, StringComparison.Ordinal);
        Assert.Contains("Stages:shopify-sync:Webhook:CallbackUrl", status.Error, StringComparison.Ordinal);
        Assert.Empty(shop.WebhookSubscriptions);
        Assert.Empty(shop.Violations);
        // Listed before creating, and again after the refusal (a concurrent replica could have made it meanwhile).
        Assert.Equal(2, Count(shop, "webhookSubscriptions"));
    }

    [Theory]
    [InlineData("http://pipeline.example.com/webhooks/shopify/orders-create", "https://")]
    [InlineData("", "https://")]
    public async Task Start_SubscribeWithoutHttpsUrl_HostFailsNamingTheSetting(string callback, string expected)
    {
        await using var shop = await FakeShopify.StartAsync();
        using var host = RunCommand.Build(CommandLine.Parse(["--role", "shopify-sync"]), Config(shop, callback));

        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Stages:shopify-sync:Webhook:CallbackUrl", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Empty(shop.Requests);
    }

    [Fact]
    public void WebhookUrlField_FollowsTheApiVersion()
    {
        Assert.Equal("callbackUrl", ShopifyQueries.WebhookUrlField("2025-07"));
        Assert.Equal("uri", ShopifyQueries.WebhookUrlField("2025-10"));
        Assert.Equal("uri", ShopifyQueries.WebhookUrlField("2026-01"));
        Assert.Equal("uri", ShopifyQueries.WebhookUrlField("unstable"));
    }
}
