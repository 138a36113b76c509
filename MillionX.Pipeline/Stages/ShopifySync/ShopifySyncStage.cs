namespace MillionX.Pipeline.Stages.ShopifySync;

/// <summary>
/// Polls the GraphQL Admin API for orders updated since the <c>updated_at</c> watermark (oldest first), publishes one
/// record per line item through the shared gate, and advances the watermark only after Kafka acknowledged them.
/// An order updated again is read again; downstream upserts make the repeat harmless. With
/// <c>Webhook:Subscribe</c>, the first run first makes sure the shop has the orders/create webhook subscription.
/// </summary>
public sealed class ShopifySyncStage(SourceServices services, ShopifyGraphQlClient client, IOptions<ShopifyOptions> options)
    : SourceStage(StageName, services)
{
    public const string StageName = "shopify-sync";

    protected override TimeSpan Interval => options.Value.Interval;

    private bool _webhookSubscribed;

    public static string CheckpointKey(string shopHost) => $"shopify-sync:{shopHost}:updated_at";

    protected override async Task<SourceRun> RunOnceAsync(CancellationToken ct)
    {
        try
        {
            if (options.Value.Webhook.Subscribe && !_webhookSubscribed)
            {
                await EnsureWebhookSubscriptionAsync(ct);
                _webhookSubscribed = true;
            }

            var run = await SyncAsync(ct);
            Services.Registry.Get(Name).Running();
            return run;
        }
        catch (Exception ex) when (ex is ShopifyAccessException or ShopifyWebhookSubscriptionException)
        {
            // Not transient: /health turns 503 so someone fixes the token; later runs still try, in case it was revoked and restored.
            Services.Registry.Get(Name).Failed(ex);
            throw;
        }
    }

    private async Task<SourceRun> SyncAsync(CancellationToken ct)
    {
        var o = options.Value;
        var key = CheckpointKey(o.ShopHost());
        var now = Services.Clock.GetUtcNow();
        var stored = await Services.Checkpoints.GetAsync(key, ct);
        DateTimeOffset since;
        if (stored is null)
        {
            since = ShopifyQueries.TruncateToSeconds(now - o.InitialLookback);
        }
        else if (!DateTimeOffset.TryParse(stored, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out since))
        {
            throw new InvalidOperationException($"Checkpoint {key} holds '{stored}', which is not a timestamp; correct or delete it.");
        }

        var until = ShopifyQueries.TruncateToSeconds(now - o.SettleDelay);
        if (until <= since)
        {
            return SourceRun.Empty;
        }

        var search = ShopifyQueries.UpdatedBetween(since, until);
        Logger.LogInformation("Shopify {Shop}: reading orders with {Filter}", o.ShopHost(), search);
        var watermark = since;
        var total = SourceRun.Empty;
        var orders = 0;
        var pages = 0;
        string? after = null;
        while (true)
        {
            var page = await client.OrdersAsync(search, after, ct);
            pages++;
            var records = new List<(byte[] Raw, string Origin)>();
            DateTimeOffset? newest = null;
            foreach (var listed in page.Orders)
            {
                var order = listed.MoreLineItems ? await CompleteLineItemsAsync(listed, ct) : listed;
                var origin = $"{StageName}:{o.ShopHost()}:order/{order.Id}";
                records.AddRange(ShopifyOrderMapper.ToRecords(order, o.MerchantIdOrShop()).Select(r => (r, origin)));
                if (order.UpdatedAt is { } u && (newest is null || u > newest))
                {
                    newest = u;
                }
            }

            orders += page.Orders.Count;
            total = total.Add(await PublishAsync(SourceKind.Shopify, records, ct));

            // Published and acknowledged: move the watermark. Mid-run, stop one second short of the page's newest update,
            // because the next page may hold more orders updated in that same second.
            if (newest is { } n)
            {
                var next = ShopifyQueries.TruncateToSeconds(n) - (page.HasNextPage ? TimeSpan.FromSeconds(1) : TimeSpan.Zero);
                if (next > watermark)
                {
                    await Services.Checkpoints.SetAsync(key, ShopifyQueries.Format(next), ct);
                    watermark = next;
                }
            }

            if (!page.HasNextPage)
            {
                break;
            }

            after = page.EndCursor ?? throw new ShopifyGraphQlException("Shopify said hasNextPage but gave no endCursor.");
        }

        Logger.LogInformation("Shopify {Shop}: {Orders} orders in {Pages} pages, {Lines} line records; watermark {Watermark}",
            o.ShopHost(), orders, pages, total.Read, ShopifyQueries.Format(watermark));
        return total;
    }

    /// <summary>
    /// Idempotent: lists the app's orders/create subscriptions and creates one only when none goes to the configured URL.
    /// When Shopify refuses the creation, another replica (or a retried request) may have made it meanwhile: the list is
    /// read again before the refusal counts.
    /// </summary>
    private async Task EnsureWebhookSubscriptionAsync(CancellationToken ct)
    {
        var o = options.Value;
        var url = o.Webhook.CallbackUrl;
        if ((await client.OrdersCreateWebhooksAsync(ct)).FirstOrDefault(s => ShopifyQueries.SameUrl(s.Url, url)) is { } existing)
        {
            Logger.LogInformation("Shopify {Shop}: orders/create webhook to {Url} already subscribed ({Id})", o.ShopHost(), url, existing.Id);
            return;
        }

        try
        {
            var created = await client.CreateOrdersCreateWebhookAsync(url, ct);
            Logger.LogInformation("Shopify {Shop}: orders/create webhook to {Url} subscribed ({Id})", o.ShopHost(), url, created.Id);
        }
        catch (ShopifyWebhookSubscriptionException)
        {
            if ((await client.OrdersCreateWebhooksAsync(ct)).FirstOrDefault(s => ShopifyQueries.SameUrl(s.Url, url)) is { } raced)
            {
                Logger.LogInformation("Shopify {Shop}: orders/create webhook to {Url} was subscribed meanwhile ({Id})", o.ShopHost(), url, raced.Id);
                return;
            }

            throw;
        }
    }

    /// <summary>Fetches the line items beyond those the page query carried.</summary>
    private async Task<ShopifyOrder> CompleteLineItemsAsync(ShopifyOrder order, CancellationToken ct)
    {
        if (order.Id is null || order.LineItemsCursor is null)
        {
            throw new ShopifyGraphQlException($"Shopify said order {order.Id} has more line items but gave no id or endCursor to page them.");
        }

        var lines = new List<ShopifyLineItem>(order.LineItems);
        var cursor = order.LineItemsCursor;
        var more = true;
        while (more)
        {
            var page = await client.LineItemsAsync(order.Gid, cursor, ct);
            lines.AddRange(page.LineItems);
            more = page.HasNextPage;
            cursor = page.EndCursor;
            if (more && cursor is null)
            {
                throw new ShopifyGraphQlException($"Shopify said order {order.Id} has more line items but gave no endCursor.");
            }
        }

        return order with { LineItems = lines, MoreLineItems = false, LineItemsCursor = null };
    }
}
