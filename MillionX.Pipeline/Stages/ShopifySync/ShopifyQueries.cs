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

    /// <summary>Subscriptions listed per query when looking for an existing orders/create webhook.</summary>
    public const int WebhookSubscriptionsPerPage = 50;

    /// <summary>
    /// The field that holds a subscription's destination: <c>uri</c> from API version 2025-10 (which unified HTTPS,
    /// Pub/Sub and EventBridge destinations in it), the now deprecated <c>callbackUrl</c> before.
    /// </summary>
    public static string WebhookUrlField(string apiVersion) =>
        apiVersion == "unstable" || string.CompareOrdinal(apiVersion, "2025-10") >= 0 ? "uri" : "callbackUrl";

    /// <summary>This app's orders/create subscriptions on the shop (shop-scoped ones, which is what the API creates).</summary>
    public static string OrdersCreateWebhooks(string urlField) => $$"""
        query OrdersCreateWebhooks($first: Int!) {
          webhookSubscriptions(first: $first, topics: [ORDERS_CREATE]) {
            nodes { id {{urlField}} format }
          }
        }
        """;

    public static string OrdersCreateWebhookCreate(string urlField) => $$"""
        mutation OrdersCreateWebhookCreate($webhookSubscription: WebhookSubscriptionInput!) {
          webhookSubscriptionCreate(topic: ORDERS_CREATE, webhookSubscription: $webhookSubscription) {
            webhookSubscription { id {{urlField}} }
            userErrors { field message }
          }
        }
        """;

    /// <summary>Requested cost of <see cref="OrdersCreateWebhooks"/>: a connection of objects.</summary>
    public static int WebhookSubscriptionsCost(int first) => 2 + first;

    /// <summary>Whether two webhook destinations are the same URL (scheme and host case, default port and escaping aside).</summary>
    public static bool SameUrl(string? a, string? b) =>
        Uri.TryCreate(a, UriKind.Absolute, out var x) && Uri.TryCreate(b, UriKind.Absolute, out var y)
            ? Uri.Compare(x, y, UriComponents.AbsoluteUri, UriFormat.Unescaped, StringComparison.Ordinal) == 0
            : string.Equals(a, b, StringComparison.Ordinal);

    /// <summary>Shopify prices every mutation at 10 points.</summary>
    public const int MutationCost = 10;

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
