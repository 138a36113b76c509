namespace MillionX.Pipeline.Stages.ContextEnricher;

/// <summary>What the order stream taught us about one product.</summary>
public sealed record CatalogueProduct(
    string Platform, string ProductId, string Name, decimal LatestPrice, decimal MinPrice, decimal MaxPrice, string Currency,
    long TimesSeen, DateTime LatestAtUtc)
{
    public string Key => $"{Platform}:{ProductId}";

    /// <summary>
    /// Folds one order line in. Latest price is the one with the newest order timestamp (so replays and out-of-order
    /// arrival give the same answer); min and max are order-independent; times seen counts order lines read
    /// (at-least-once, so a replay after a crash can count a line twice).
    /// </summary>
    public static CatalogueProduct Merge(CatalogueProduct? current, AnonymisedOrder order)
    {
        var at = order.Timestamp.UtcDateTime;
        if (current is null)
        {
            return new(order.Platform, order.ProductId, order.ProductName, order.Price, order.Price, order.Price, order.Currency, 1, at);
        }

        var newer = at >= current.LatestAtUtc;
        return current with
        {
            Name = newer ? order.ProductName : current.Name,
            LatestPrice = newer ? order.Price : current.LatestPrice,
            Currency = newer ? order.Currency : current.Currency,
            LatestAtUtc = newer ? at : current.LatestAtUtc,
            MinPrice = Math.Min(current.MinPrice, order.Price),
            MaxPrice = Math.Max(current.MaxPrice, order.Price),
            TimesSeen = current.TimesSeen + 1,
        };
    }
}

/// <summary>Where the catalogue lives. Implementations are shared by replicas (Redis) or persisted locally (DuckDB).</summary>
public interface ICatalogueStore : IAsyncDisposable
{
    /// <summary>Folds order lines into the stored products. Throws <see cref="TransientCatalogueException"/> when the store is unreachable.</summary>
    Task UpsertAsync(IReadOnlyList<AnonymisedOrder> orders, CancellationToken ct);

    /// <summary>Every product currently known.</summary>
    Task<IReadOnlyList<CatalogueProduct>> LoadAsync(CancellationToken ct);
}

public sealed class TransientCatalogueException(string message, Exception? inner = null) : Hosting.TransientException(message, inner);
