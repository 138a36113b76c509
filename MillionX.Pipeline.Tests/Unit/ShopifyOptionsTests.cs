using System.ComponentModel.DataAnnotations;
using MillionX.Pipeline.Stages.ShopifySync;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class ShopifyOptionsTests
{
    private static List<string> Errors(ShopifyOptions o)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(o, new ValidationContext(o), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage!)];
    }

    private static ShopifyOptions Valid() => new() { ShopDomain = "mystore.myshopify.com", AccessToken = "shpat_x" };

    [Fact]
    public void Validate_Defaults_WithDomainAndToken_AreValid()
    {
        var o = Valid();

        Assert.Empty(Errors(o));
        Assert.Equal(new Uri("https://mystore.myshopify.com/admin/api/2025-10/graphql.json"), o.GraphQlEndpoint());
        Assert.Equal("mystore.myshopify.com", o.ShopHost());
        Assert.Equal("mystore.myshopify.com", o.MerchantIdOrShop());
        Assert.Equal(TimeSpan.FromMinutes(15), o.Interval);
        Assert.Equal(50, o.PageSize);
    }

    [Fact]
    public void Validate_MissingAccessToken_NamesTheSettingAndTheEnvironmentVariable()
    {
        var error = Assert.Single(Errors(new ShopifyOptions { ShopDomain = "mystore.myshopify.com" }));

        Assert.Contains("Stages:shopify-sync:AccessToken", error, StringComparison.Ordinal);
        Assert.Contains("Stages__shopify-sync__AccessToken", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "ShopDomain")]
    [InlineData("my store", "ShopDomain")]
    [InlineData("ftp://x", "ShopDomain")]
    public void Validate_BadShopDomain_NamesTheSetting(string domain, string named)
    {
        var o = Valid();
        o.ShopDomain = domain;

        Assert.Contains(Errors(o), e => e.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void GraphQlEndpoint_FullUrlDomain_UsedAsBaseWithPort()
    {
        var o = Valid();
        o.ShopDomain = "http://127.0.0.1:5123";
        o.ApiVersion = "2025-07";

        Assert.Empty(Errors(o));
        Assert.Equal(new Uri("http://127.0.0.1:5123/admin/api/2025-07/graphql.json"), o.GraphQlEndpoint());
        Assert.Equal("127.0.0.1:5123", o.ShopHost());
    }

    [Theory]
    [InlineData("2025-10", true)]
    [InlineData("unstable", true)]
    [InlineData("2025-11", false)]
    [InlineData("latest", false)]
    public void Validate_ApiVersion_OnlyQuarterlyReleases(string version, bool valid)
    {
        var o = Valid();
        o.ApiVersion = version;

        Assert.Equal(valid, !Errors(o).Any(e => e.Contains("ApiVersion", StringComparison.Ordinal)));
    }

    [Fact]
    public void Validate_PageTooExpensive_NamesPageSizeAndCost()
    {
        var o = Valid();
        o.PageSize = 100;
        o.LineItemsPerOrder = 10;

        var error = Assert.Single(Errors(o));
        Assert.Contains("PageSize", error, StringComparison.Ordinal);
        Assert.Contains("1000", error, StringComparison.Ordinal);
    }

    [Fact]
    public void MerchantId_Set_OverridesDomain()
    {
        var o = Valid();
        o.MerchantId = " M-007 ";

        Assert.Equal("M-007", o.MerchantIdOrShop());
    }
}

public sealed class ShopifyQueriesTests
{
    [Fact]
    public void OrdersPageCost_Defaults_UnderShopifysSingleQueryLimit()
    {
        Assert.Equal(852, ShopifyQueries.OrdersPageCost(50, 3));
        Assert.True(ShopifyQueries.LineItemsCost(ShopifyQueries.LineItemsPerFollowUp) <= ShopifyQueries.MaxSingleQueryCost);
    }

    [Fact]
    public void UpdatedBetween_Range_UsesShopifySearchSyntaxInUtcSeconds()
    {
        var since = new DateTimeOffset(2026, 11, 20, 14, 0, 0, 500, TimeSpan.FromHours(6));
        var until = new DateTimeOffset(2026, 11, 21, 8, 30, 15, TimeSpan.Zero);

        Assert.Equal("updated_at:>'2026-11-20T08:00:00Z' AND updated_at:<='2026-11-21T08:30:15Z'", ShopifyQueries.UpdatedBetween(since, until));
    }

    [Theory]
    [InlineData(100, 500, 50, 0, 0)] // enough already
    [InlineData(852, 52, 100, 0, 8000)] // 800 short at 100/s
    [InlineData(852, 52, 100, 2, 6000)] // 2 s of refill since the report
    [InlineData(852, 52, 100, 10, 0)] // refilled by now
    [InlineData(1000, 0, 1, 0, 60000)] // capped at max
    [InlineData(10, 0, 0, 0, 60000)] // no restore rate: wait the max
    public void WaitFor_Bucket_TimeUntilItHoldsTheCost(double cost, double available, double restore, double elapsedSeconds, double expectedMs)
    {
        var wait = ShopifyQueries.WaitFor(cost, available, restore, TimeSpan.FromSeconds(elapsedSeconds), TimeSpan.FromMinutes(1));

        Assert.Equal(expectedMs, wait.TotalMilliseconds, 3);
    }
}
