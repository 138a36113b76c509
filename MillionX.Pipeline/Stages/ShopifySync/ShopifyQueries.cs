using System.Globalization;

namespace MillionX.Pipeline.Stages.ShopifySync;

/// <summary>The GraphQL documents the sync sends, their worst-case cost, and the cost-bucket arithmetic. Pure.</summary>
public static class ShopifyQueries
{
    /// <summary>Shopify refuses a single query whose requested cost is above this.</summary>
    public const int MaxSingleQueryCost = 1000;

    /// <summary>Line items per follow-up query for orders with more lines than the page query fetched.</summary>
    public const int LineItemsPerFollowUp = 50;

    // Only what the MarketOrder contract needs: no email, no addresses (they would be PII we then have to shield).
    private const string LineFields = """
        fragment LineFields on LineItem {
          id
          title
          quantity
          sku
          product { id }
          originalUnitPriceSet { shopMoney { amount currencyCode } }
        }
        """;

    public const string Orders = """
        query Orders($first: Int!, $after: String, $query: String!, $lines: Int!) {
          orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
            pageInfo { hasNextPage endCursor }
            edges {
              node {
                id
                name
                createdAt
                updatedAt
                cancelledAt
                displayFinancialStatus
                displayFulfillmentStatus
                currencyCode
                phone
                customer { defaultPhoneNumber { phoneNumber } }
                lineItems(first: $lines) {
                  pageInfo { hasNextPage endCursor }
                  edges { node { ...LineFields } }
                }
              }
            }
          }
        }
        """ + "\n" + LineFields;

    public const string OrderLineItems = """
        query OrderLineItems($id: ID!, $lines: Int!, $after: String) {
          order(id: $id) {
            lineItems(first: $lines, after: $after) {
              pageInfo { hasNextPage endCursor }
              edges { node { ...LineFields } }
            }
          }
        }
        """ + "\n" + LineFields;

    // Shopify's documented rule: scalars and enums 0, objects 1, a connection 2 plus `first` times its node's cost.
    private const int LineItemCost = 4; // LineItem, product, originalUnitPriceSet, shopMoney
    private const int OrderCost = 3; // Order, customer, defaultPhoneNumber

    /// <summary>Requested (worst-case) cost of one <see cref="Orders"/> page.</summary>
    public static int OrdersPageCost(int pageSize, int lineItemsPerOrder) =>
        2 + (pageSize * (OrderCost + 2 + (lineItemsPerOrder * LineItemCost)));

    /// <summary>Requested cost of one <see cref="OrderLineItems"/> query.</summary>
    public static int LineItemsCost(int lines) => 1 + 2 + (lines * LineItemCost);

    /// <summary>The search filter for orders updated after <paramref name="since"/> up to and including <paramref name="until"/>.</summary>
    public static string UpdatedBetween(DateTimeOffset since, DateTimeOffset until) =>
        $"updated_at:>'{Format(since)}' AND updated_at:<='{Format(until)}'";

    /// <summary>UTC, whole seconds (Shopify's precision), RFC 3339.</summary>
    public static string Format(DateTimeOffset t) =>
        TruncateToSeconds(t).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset TruncateToSeconds(DateTimeOffset t) =>
        new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    /// <summary>
    /// How long until the bucket holds <paramref name="cost"/> points, given what it held <paramref name="elapsed"/> ago.
    /// Zero when it already does.
    /// </summary>
    public static TimeSpan WaitFor(double cost, double available, double restoreRate, TimeSpan elapsed, TimeSpan max)
    {
        if (restoreRate <= 0)
        {
            return available >= cost ? TimeSpan.Zero : max;
        }

        var now = available + (restoreRate * elapsed.TotalSeconds);
        if (now >= cost)
        {
            return TimeSpan.Zero;
        }

        var wait = TimeSpan.FromSeconds((cost - now) / restoreRate);
        return wait > max ? max : wait;
    }
}
