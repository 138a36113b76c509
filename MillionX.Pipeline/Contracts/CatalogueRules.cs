namespace MillionX.Pipeline.Contracts;

/// <summary>Which order lines may teach the product catalogue.</summary>
public static class CatalogueRules
{
    /// <summary>
    /// The product id of a line that sold no catalogue product (a Shopify custom item, a deleted product without a SKU):
    /// <c>line:</c> and the line's own id.
    /// </summary>
    public const string CustomLinePrefix = "line:";

    /// <summary>
    /// False for custom lines: their "name" is whatever the seller typed for one customer ("Panjabi for Nasrin Akter,
    /// House 12 Dhanmondi"), which must never become a product other people's posts are matched and enriched with.
    /// </summary>
    public static bool IsCatalogueProduct(AnonymisedOrder order) =>
        !order.ProductId.StartsWith(CustomLinePrefix, StringComparison.Ordinal);
}
