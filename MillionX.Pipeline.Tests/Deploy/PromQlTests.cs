namespace MillionX.Pipeline.Tests.Deploy;

public sealed class PromQlTests
{
    [Theory]
    [InlineData("sum by (stage) (rate(millionx_dead_letters_total[5m])) / sum by (stage) (rate(millionx_records_in_total[5m])) > 0.02",
        new[] { "millionx_dead_letters_total", "millionx_records_in_total" })]
    [InlineData("histogram_quantile(0.95, sum by (le) (rate(millionx_embedding_latency_seconds_bucket[$__rate_interval]))) > 0.1",
        new[] { "millionx_embedding_latency_seconds_bucket" })]
    [InlineData("time() - max by (source) (millionx_source_last_success_timestamp_seconds{source=~\"weather|daraz\"})",
        new[] { "millionx_source_last_success_timestamp_seconds" })]
    [InlineData("a_metric unless on (x) b:recorded offset 1h and 1e3 < bool c", new[] { "a_metric", "b:recorded", "c" })]
    [InlineData("sum without (instance) (increase(x_total[1h:5m])) * 2.5e-3", new[] { "x_total" })]
    public void MetricNames_Expression_ReturnsOnlyTheMetricsItReads(string expr, string[] expected)
    {
        Assert.Equal(expected.Order(StringComparer.Ordinal), PromQl.MetricNames(expr).Order(StringComparer.Ordinal));
    }
}
