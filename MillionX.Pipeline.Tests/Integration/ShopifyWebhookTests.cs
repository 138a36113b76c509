using System.Net;
using MillionX.Pipeline.Observability;
using MillionX.Pipeline.Stages.ShopifySync;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>POST /webhooks/shopify/orders-create on the host's HTTP port, with the shopify-sync role running against the fake.</summary>
public sealed class ShopifyWebhookTests : BrokerTest, IAsyncLifetime
{
    private FakeShopify _shop = null!;
    private IHost? _host;
    private HttpClient _http = null!;

    public async Task InitializeAsync() => _shop = await FakeShopify.StartAsync();

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }

        await _shop.DisposeAsync();
    }

    /// <summary>shopify-sync on the fake shop with its webhook secret and the HTTP endpoint on; its hourly sync stays out of the way.</summary>
    internal static Dictionary<string, string?> WebhookConfig(TestBroker broker, FakeShopify shop, string checkpoints) => broker.Config()
        .WithHttpEndpoint()
        .WithShop(shop)
        .With("Stages:shopify-sync:WebhookSecret", FakeShopify.WebhookSecret)
        .With("Stages:shopify-sync:Interval", "01:00:00")
        .With("Sources:Checkpoints:Directory", checkpoints);

    private async Task StartAsync(params (string Key, string Value)[] extra)
    {
        var config = WebhookConfig(Broker, _shop, Path.Combine(Path.GetTempPath(), "millionx-tests", "shopify-" + Guid.NewGuid().ToString("N")));
        foreach (var (k, v) in extra)
        {
            config[k] = v;
        }

        _host = RunCommand.Build(CommandLine.Parse(["--role", "shopify-sync"]), config);
        await _host.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(Assert.Single(_host.Services.GetRequiredService<HttpEndpoint>().Addresses)) };
    }

    /// <summary>An order as a webhook carries it: last updated a minute ago (the webhook fires on the update).</summary>
    private static FakeShopifyOrder Order(long id, int index = 3, TimeSpan? updatedAgo = null) =>
        FakeShopify.Generate(index, id - index + 1, ShopifyQueries.TruncateToSeconds(DateTimeOffset.UtcNow - (updatedAgo ?? TimeSpan.FromMinutes(1)) - TimeSpan.FromMinutes(index - 1)), TimeSpan.FromMinutes(1))[index - 1];

    private async Task<HttpResponseMessage> PostAsync(
        byte[] body, string? signature, string? webhookId = null, string? topic = "orders/create", string? shop = "", string? triggeredAt = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, ShopifyWebhookEndpoint.Route) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        if (signature is not null)
        {
            request.Headers.Add("X-Shopify-Hmac-Sha256", signature);
        }

        // Empty: what Shopify sends; null: the header left out.
        if (topic is not null)
        {
            request.Headers.Add("X-Shopify-Topic", topic);
        }

        if (shop is not null)
        {
            request.Headers.Add("X-Shopify-Shop-Domain", shop.Length > 0 ? shop : _shop.Host);
        }

        if (triggeredAt is not null)
        {
            // Shopify's form: nanoseconds, UTC.
            request.Headers.Add("X-Shopify-Triggered-At", triggeredAt.Length > 0 ? triggeredAt : DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "43Z");
        }

        request.Headers.Add("X-Shopify-API-Version", FakeShopify.ApiVersion);
        request.Headers.Add("X-Shopify-Webhook-Id", webhookId ?? Guid.NewGuid().ToString());
        return await _http.SendAsync(request);
    }

    private static string Sign(byte[] body, string secret = FakeShopify.WebhookSecret) => ShopifyWebhookSignature.Compute(body, secret);

    private List<MarketOrder> Records() => Broker.ReadAll(Topics.MarketShopify)
        .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.MarketOrder)!).ToList();

    [Fact]
    public async Task Webhook_ValidSignature_200OnlyAfterEveryLineIsOnTheTopic()
    {
        await StartAsync();
        var order = Order(3001, index: 3); // 4 lines, one without a product (SKU fallback)
        var body = FakeShopify.RestPayload(order);

        using var response = await PostAsync(body, Sign(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4, Broker.Count(Topics.MarketShopify)); // acknowledged before the 200, so already there
        var records = Records();
        Assert.All(records, r =>
        {
            Assert.Equal("3001", r.OrderId);
            Assert.Equal(_shop.Host, r.MerchantId);
            Assert.Equal(order.CreatedAt, r.Timestamp);
            Assert.Equal(order.Phone ?? order.CustomerPhone, r.CustomerPhone);
        });
        Assert.Equal(
            order.Lines.Select(l => l.ProductId?.ToString(CultureInfo.InvariantCulture) ?? "sku:" + l.Sku).Order(),
            records.Select(r => r.ProductId).Order());
        Assert.Equal(0, Broker.Count(Topics.DeadLettersMarket));
    }

    [Fact]
    public async Task Webhook_BadOrMissingSignature_401AndNothingProduced()
    {
        await StartAsync();
        var body = FakeShopify.RestPayload(Order(3001));
        var tampered = FakeShopify.RestPayload(Order(3001) with { Lines = [.. Order(3001).Lines.Select(l => l with { Price = 1m })] });

        using var wrongSecret = await PostAsync(body, Sign(body, "another-apps-secret"));
        using var missing = await PostAsync(body, signature: null);
        using var bodyChanged = await PostAsync(tampered, Sign(body));
        using var garbage = await PostAsync(body, "bm90IGEgc2lnbmF0dXJl");

        Assert.All([wrongSecret, missing, bodyChanged, garbage], r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Equal(0, Broker.Count(Topics.MarketShopify));
        Assert.Equal(0, Broker.Count(Topics.DeadLettersMarket));
    }

    [Fact]
    public async Task Webhook_DuplicateWebhookId_ProducedOnce()
    {
        await StartAsync();
        var a = FakeShopify.RestPayload(Order(3001, index: 2)); // 3 lines
        var b = FakeShopify.RestPayload(Order(4001, index: 1)); // 2 lines

        using var first = await PostAsync(a, Sign(a), webhookId: "wh-a");
        using var retry = await PostAsync(a, Sign(a), webhookId: "wh-a");
        // Shopify can also deliver the same event twice at once.
        var concurrent = await Task.WhenAll(PostAsync(b, Sign(b), webhookId: "wh-b"), PostAsync(b, Sign(b), webhookId: "wh-b"));

        Assert.All([first, retry, .. concurrent], r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(3 + 2, Broker.Count(Topics.MarketShopify));
        Assert.Equal(3, Records().Count(r => r.OrderId == "3001"));
        foreach (var r in concurrent)
        {
            r.Dispose();
        }
    }

    [Fact]
    public async Task Webhook_SignedBodyThatIsNotAnOrder_200AndDeadLettered()
    {
        await StartAsync();
        var body = Encoding.UTF8.GetBytes("[\"not\", \"an order\"]");

        using var response = await PostAsync(body, Sign(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, Broker.Count(Topics.MarketShopify));
        Assert.Equal(1, Broker.Count(Topics.DeadLettersMarket));
    }

    [Fact]
    public async Task Webhook_OversizedOtherShopOrOtherTopic_RefusedAndNothingProduced()
    {
        await StartAsync(("Stages:shopify-sync:MaxWebhookBytes", "2048"));
        var big = FakeShopify.RestPayload(Order(3001) with { Lines = [.. Enumerable.Range(1, 40).Select(i => new FakeShopifyLine(i, i, $"Product {i}", 1, 10m))] });
        var body = FakeShopify.RestPayload(Order(3002));

        using var oversized = await PostAsync(big, Sign(big));
        using var otherShop = await PostAsync(body, Sign(body), shop: "someone-else.myshopify.com");
        using var otherTopic = await PostAsync(body, Sign(body), topic: "products/create");

        Assert.True(big.Length > 2048);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherShop.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, otherTopic.StatusCode);
        Assert.Equal(0, Broker.Count(Topics.MarketShopify));
    }

    [Fact]
    public async Task Webhook_NoSecretConfigured_RouteIsOff()
    {
        await StartAsync(("Stages:shopify-sync:WebhookSecret", ""));
        var body = FakeShopify.RestPayload(Order(3001));

        using var response = await PostAsync(body, Sign(body, ""));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, Broker.Count(Topics.MarketShopify));
    }

    [Fact]
    public async Task Webhook_WithoutShopTopicOrTriggeredAtHeader_400AndNothingProduced()
    {
        await StartAsync();
        var body = FakeShopify.RestPayload(Order(3001));

        using var noShop = await PostAsync(body, Sign(body), shop: null);
        using var noTopic = await PostAsync(body, Sign(body), topic: null);
        using var noTime = await PostAsync(body, Sign(body), triggeredAt: null);
        using var badTime = await PostAsync(body, Sign(body), triggeredAt: "yesterday");

        Assert.All([noShop, noTopic, noTime, badTime], r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        Assert.Equal(0, Broker.Count(Topics.MarketShopify));
        Assert.Equal(0, Broker.Count(Topics.DeadLettersMarket));
    }

    [Fact]
    public async Task Webhook_StaleDeliveryOrReplayedOldBody_AcknowledgedAndNothingProduced()
    {
        await StartAsync(("Stages:shopify-sync:WebhookMaxAge", "00:05:00"));
        var body = FakeShopify.RestPayload(Order(3001));
        var old = FakeShopify.RestPayload(Order(3002, updatedAgo: TimeSpan.FromHours(2)));
        var lateRetry = DateTime.UtcNow.AddMinutes(-10).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "00Z";

        // A retry Shopify fired ten minutes ago; an old signed body replayed under a fresh header.
        using var retried = await PostAsync(body, Sign(body), triggeredAt: lateRetry);
        using var replayed = await PostAsync(old, Sign(old));

        Assert.All([retried, replayed], r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.StartsWith("stale", await retried.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.StartsWith("stale", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, Broker.Count(Topics.MarketShopify));

        // The same body fired now is taken.
        using var fresh = await PostAsync(body, Sign(body));
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal(Order(3001).Lines.Count, Broker.Count(Topics.MarketShopify));
    }
}
