namespace MillionX.Pipeline.Tests.Support;

/// <summary>
/// Tests that drive Chromium or read the scrapers' process-wide counters (Apify runs and items, CAPTCHA solves) run one
/// after another: two browsers at once overload 2 cores, and a parallel test would move the counters under a check.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ScraperCollection
{
    public const string Name = "Scrapers";
}
