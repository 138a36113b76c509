namespace MillionX.Pipeline.Stages.ShopifySync;

/// <summary><c>Stages:shopify-sync</c>: one shop's GraphQL Admin API access and the orders/create webhook.</summary>
public sealed class ShopifyOptions : IValidatableObject
{
    public const string Section = "Stages:shopify-sync";

    /// <summary>Where operators put the token: never in appsettings.json.</summary>
    public const string AccessTokenEnvironmentVariable = "Stages__shopify-sync__AccessToken";

    /// <summary><c>mystore.myshopify.com</c>, or a full base URL (http://127.0.0.1:5000 for a local fake).</summary>
    public string ShopDomain { get; set; } = "";

    /// <summary>GraphQL Admin API version, e.g. 2025-10 (Shopify supports each for 12 months).</summary>
    [RegularExpression("^([0-9]{4}-(01|04|07|10)|unstable)$", ErrorMessage = "Stages:shopify-sync:ApiVersion must look like 2025-10 (January, April, July or October releases).")]
    public string ApiVersion { get; set; } = "2025-10";

    /// <summary>Admin API access token with read_orders (env Stages__shopify-sync__AccessToken). Never logged.</summary>
    public string AccessToken { get; set; } = "";

    /// <summary>The app's client secret that signs webhooks (X-Shopify-Hmac-Sha256); empty leaves the webhook route unmapped.</summary>
    public string WebhookSecret { get; set; } = "";

    /// <summary>
    /// A listener of the webhook's own (e.g. <c>http://0.0.0.0:8443</c> behind the TLS proxy Shopify calls), so the
    /// webhook can be published while /status, /search and /metrics stay on loopback. Empty: the shared HTTP port.
    /// </summary>
    public string WebhookUrls { get; set; } = "";

    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Orders per GraphQL page.</summary>
    [Range(1, 250)]
    public int PageSize { get; set; } = 50;

    /// <summary>Line items fetched with each order; orders with more are completed by follow-up queries.</summary>
    /// <remarks>Shopify prices a query by its worst case (PageSize x LineItemsPerOrder), capped at 1000 points per query.</remarks>
    [Range(1, 250)]
    public int LineItemsPerOrder { get; set; } = 3;

    /// <summary>merchant_id of the records; empty means the shop's domain.</summary>
    public string MerchantId { get; set; } = "";

    /// <summary>How far back the first sync (no checkpoint yet) reads.</summary>
    public TimeSpan InitialLookback { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Orders updated in the last SettleDelay are left for the next run: Shopify's order search index trails writes by
    /// seconds, and an order indexed late behind the watermark would otherwise be skipped for good.
    /// </summary>
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>THROTTLED answers tolerated for one request before the run fails (it retries at the next interval).</summary>
    [Range(0, 1000)]
    public int MaxThrottleRetries { get; set; } = 10;

    /// <summary>Longest single wait for the cost bucket to refill.</summary>
    public TimeSpan MaxThrottleWait { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Webhook ids remembered to drop Shopify's duplicate deliveries.</summary>
    [Range(1, 10_000_000)]
    public int WebhookDedupCapacity { get; set; } = 10_000;

    [Range(1024, 16 * 1024 * 1024)]
    public int MaxWebhookBytes { get; set; } = 1024 * 1024;

    /// <summary>How long a webhook waits for Kafka's acknowledgement; Shopify gives up on a delivery after 5 s.</summary>
    public TimeSpan WebhookAckTimeout { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>The orders/create webhook subscription, which the stage can create itself instead of someone in the admin.</summary>
    public ShopifyWebhookSubscriptionOptions Webhook { get; set; } = new();

    // Methods, not properties: the configuration binder and the validator read every property, including on invalid input.

    /// <summary>https://{ShopDomain}/, or ShopDomain itself when it is a URL.</summary>
    public Uri BaseUri() => ShopDomain.Contains("://", StringComparison.Ordinal)
        ? new Uri(ShopDomain.Trim().TrimEnd('/') + "/")
        : new Uri($"https://{ShopDomain.Trim().TrimEnd('/')}/");

    public Uri GraphQlEndpoint() => new(BaseUri(), $"admin/api/{ApiVersion}/graphql.json");

    /// <summary>The shop's host (and port, when not the default): the checkpoint key and the default merchant id.</summary>
    public string ShopHost()
    {
        var uri = BaseUri();
        return (uri.IsDefaultPort ? uri.Host : uri.Authority).ToLowerInvariant();
    }

    /// <summary>merchant_id of the records: <see cref="MerchantId"/>, or the shop's host.</summary>
    public string MerchantIdOrShop() => string.IsNullOrWhiteSpace(MerchantId) ? ShopHost() : MerchantId.Trim();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ShopDomain))
        {
            yield return new($"{Section}:ShopDomain is not set: the shop's domain, e.g. mystore.myshopify.com.", [nameof(ShopDomain)]);
        }
        else if (ShopDomain.Contains("://", StringComparison.Ordinal)
            ? !Uri.TryCreate(ShopDomain, UriKind.Absolute, out var u) || u.Scheme is not ("https" or "http")
            : Uri.CheckHostName(ShopDomain.Trim().TrimEnd('/')) != UriHostNameType.Dns)
        {
            yield return new($"{Section}:ShopDomain '{ShopDomain}' is neither a domain such as mystore.myshopify.com nor an http(s) URL.", [nameof(ShopDomain)]);
        }

        if (string.IsNullOrWhiteSpace(AccessToken))
        {
            yield return new(
                $"{Section}:AccessToken is not set: the Shopify source needs an Admin API access token with the read_orders scope; " +
                $"set the environment variable {AccessTokenEnvironmentVariable}.",
                [nameof(AccessToken)]);
        }

        if (Interval <= TimeSpan.Zero)
        {
            yield return new($"{Section}:Interval must be positive.", [nameof(Interval)]);
        }

        if (InitialLookback <= TimeSpan.Zero)
        {
            yield return new($"{Section}:InitialLookback must be positive.", [nameof(InitialLookback)]);
        }

        if (SettleDelay < TimeSpan.Zero)
        {
            yield return new($"{Section}:SettleDelay must not be negative.", [nameof(SettleDelay)]);
        }

        if (MaxThrottleWait <= TimeSpan.Zero || WebhookAckTimeout <= TimeSpan.Zero)
        {
            yield return new($"{Section}:MaxThrottleWait and {Section}:WebhookAckTimeout must be positive.", [nameof(MaxThrottleWait), nameof(WebhookAckTimeout)]);
        }

        if (Webhook.Subscribe)
        {
            if (!Uri.TryCreate(Webhook.CallbackUrl, UriKind.Absolute, out var callback) || callback.Scheme != Uri.UriSchemeHttps)
            {
                yield return new(
                    $"{Section}:Webhook:CallbackUrl must be the public https:// URL Shopify posts orders/create to (this host's " +
                    $"{ShopifyWebhookEndpoint.Route} as reached from the internet) when {Section}:Webhook:Subscribe is true.",
                    [nameof(Webhook)]);
            }

            if (string.IsNullOrWhiteSpace(WebhookSecret))
            {
                yield return new(
                    $"{Section}:Webhook:Subscribe is true but {Section}:WebhookSecret is empty: the webhook route would not be mapped " +
                    "and every delivery would fail. Set the app's client secret (env Stages__shopify-sync__WebhookSecret).",
                    [nameof(Webhook), nameof(WebhookSecret)]);
            }
        }

        var cost = ShopifyQueries.OrdersPageCost(PageSize, LineItemsPerOrder);
        if (cost > ShopifyQueries.MaxSingleQueryCost)
        {
            yield return new(
                $"{Section}:PageSize ({PageSize}) x LineItemsPerOrder ({LineItemsPerOrder}) asks for a query cost of {cost} points; " +
                $"Shopify refuses a query over {ShopifyQueries.MaxSingleQueryCost}. Lower PageSize or LineItemsPerOrder.",
                [nameof(PageSize), nameof(LineItemsPerOrder)]);
        }
    }

    /// <summary>
    /// A webhook fired longer ago than this (X-Shopify-Triggered-At), or carrying an order last updated longer ago, is
    /// acknowledged and ignored: Shopify's late retries and replays of old signed bodies; the poll syncs those orders.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00", ErrorMessage = "Stages:shopify-sync:WebhookMaxAge must be between 10 seconds and 1 day.")]
    public TimeSpan WebhookMaxAge { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary><c>Stages:shopify-sync:Webhook</c>: whether the stage creates its orders/create subscription through the Admin API.</summary>
public sealed class ShopifyWebhookSubscriptionOptions
{
    /// <summary>
    /// At the first run, make sure an orders/create subscription (JSON) to <see cref="CallbackUrl"/> exists: list the app's
    /// subscriptions for the topic, create one only when none has this URL. Off: subscribe by hand or in shopify.app.toml.
    /// </summary>
    public bool Subscribe { get; set; }

    /// <summary>The public https:// URL of this host's webhook route, e.g. https://pipeline.example.com/webhooks/shopify/orders-create.</summary>
    public string CallbackUrl { get; set; } = "";
}
