namespace MillionX.Pipeline.Stages.DarazSync;

/// <summary>
/// Pulls Daraz orders updated since the watermark, oldest first, page by page; fetches their item rows; publishes one
/// MarketOrder per product line to <c>source.market.daraz</c>; and advances the <c>updated_at</c> watermark after each
/// page, only once Kafka acknowledged that page's records.
/// </summary>
public sealed class DarazSyncStage(SourceServices services, IOptions<DarazOptions> options, IHttpClientFactory httpClients)
    : SourceStage(StageName, services)
{
    public const string StageName = "daraz-sync";
    public const string HttpClientName = "daraz";

    /// <summary>Times one run re-reads from the watermark because the result set changed under its offsets.</summary>
    private const int MaxRestarts = 3;

    protected override TimeSpan Interval => options.Value.Interval;

    public static string CheckpointKey(string appKey) => $"daraz-sync:{appKey}:updated_at";

    protected override async Task<SourceRun> RunOnceAsync(CancellationToken ct)
    {
        var o = options.Value;
        var key = CheckpointKey(o.AppKey);
        var now = Services.Clock.GetUtcNow();
        var stored = await Services.Checkpoints.GetAsync(key, ct);
        var mark = stored is null ? DarazWatermark.Start(o.InitialWatermark ?? now.AddDays(-30)) : DarazWatermark.Parse(stored);
        var client = new DarazClient(httpClients.CreateClient(HttpClientName), o, Services.Clock, Logger);

        // A fixed upper bound: an order updated while this run pages leaves the window (countTotal drops, so the run
        // re-reads from its watermark) rather than silently shifting later orders into pages already read.
        // Offsets are only meaningful within one query, so a pass keeps its lower bound while the watermark advances.
        var before = now;
        var from = mark.UpdatedAt;
        var offset = 0;
        long? total = null;
        var restarts = 0;
        var run = SourceRun.Empty;
        while (true)
        {
            var page = await client.GetOrdersAsync(from, before, offset, o.PageSize, ct);
            if (total is not null && page.CountTotal is { } count && count != total && restarts < MaxRestarts)
            {
                restarts++;
                Logger.LogInformation("Daraz orders changed while paging ({Before} -> {After}); reading again from {Watermark}",
                    total, count, DarazClient.FormatTime(mark.UpdatedAt));
                from = mark.UpdatedAt;
                offset = 0;
                total = null;
                continue;
            }

            total ??= page.CountTotal;
            var orders = page.Orders.Select(e => new Listed(e, DarazClient.ScalarText(e, "order_id"), UpdatedAt(e))).ToList();
            run = run.Add(await PublishPageAsync(client, orders.Where(x => !x.PublishedBefore(mark)).ToList(), o.MerchantId, ct));

            var next = mark.Advance(orders.Where(x => x.Id is not null && x.Updated is not null).Select(x => (x.Id!, x.Updated!.Value)));
            var value = next.Format();
            if (value != mark.Format())
            {
                await Services.Checkpoints.SetAsync(key, value, ct);
            }

            mark = next;
            offset += page.Orders.Count;
            if (page.Orders.Count < o.PageSize || (total is not null && offset >= total))
            {
                return run;
            }
        }
    }

    private async Task<SourceRun> PublishPageAsync(DarazClient client, List<Listed> orders, string merchantId, CancellationToken ct)
    {
        if (orders.Count == 0)
        {
            return SourceRun.Empty;
        }

        var ids = orders.Select(x => x.Id).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var items = ids.Count > 0 ? await client.GetItemsAsync(ids, ct) : [];
        var records = new List<(byte[] Raw, string Origin)>();
        long missing = 0;
        foreach (var x in orders)
        {
            if (x.Id is null || !items.TryGetValue(x.Id, out var rows) || rows.Count == 0)
            {
                // Not retried: an order the API lists without items would otherwise hold the watermark back for good.
                missing++;
                Logger.LogWarning("Daraz order {OrderId} came without item rows; not published", x.Id ?? "(no order_id)");
                continue;
            }

            if (x.Updated is null)
            {
                Logger.LogWarning("Daraz order {OrderId} has no readable updated_at; published, but the watermark cannot cover it", x.Id);
            }

            records.AddRange(DarazOrderMapper.Map(x.Element, rows, merchantId).Select(raw => (raw, $"daraz:{x.Id}")));
        }

        var published = records.Count > 0 ? await PublishAsync(SourceKind.Daraz, records, ct) : SourceRun.Empty;
        return published with { Failed = published.Failed + missing };
    }

    private static DateTimeOffset? UpdatedAt(JsonElement order) =>
        order.TryGetProperty("updated_at", out var u) && u.ValueKind == JsonValueKind.String ? DarazOrderMapper.ParseTimestamp(u.GetString()) : null;

    private sealed record Listed(JsonElement Element, string? Id, DateTimeOffset? Updated)
    {
        public bool PublishedBefore(DarazWatermark mark) => Id is not null && Updated is not null && mark.Covers(Id, Updated.Value);
    }
}
