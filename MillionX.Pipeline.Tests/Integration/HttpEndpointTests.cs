using MillionX.Pipeline.Observability;

namespace MillionX.Pipeline.Tests.Integration;

public sealed class HttpEndpointTests
{
    [Fact]
    public async Task Host_Running_ServesPrometheusMetricsAndHealth()
    {
        using var broker = new TestBroker();
        var config = broker.Config()
            .WithHttpEndpoint()
            .With("Stages:sample-source:RatePerSecond", "200")
            .With("Stages:sample-source:InvalidShare", "0.2");
        using var host = RunCommand.Build(CommandLine.Parse(["--profile", "local"]), config);
        await host.StartAsync();
        var address = Assert.Single(host.Services.GetRequiredService<HttpEndpoint>().Addresses);
        Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        var source = host.Services.GetRequiredService<PipelineMetrics>().Stage("sample-source");
        Assert.True(await TestConfig.Eventually(() => source.DeadLettered > 0, TimeSpan.FromSeconds(20)));

        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("millionx_records_in_total{stage=\"sample-source\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("millionx_records_out_total{stage=\"sample-source\",topic=\"", metrics, StringComparison.Ordinal);
        Assert.Matches("millionx_dead_letters_total\\{stage=\"sample-source\",reason=\"[a-z_]+\"\\}", metrics);
        Assert.Contains("millionx_consumer_lag", metrics, StringComparison.Ordinal);

        using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(200, (int)health.StatusCode);
        using var doc = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
        Assert.Equal("ok", doc.RootElement.GetProperty("status").GetString());
        var stages = doc.RootElement.GetProperty("stages").EnumerateArray().Select(s => (s.GetProperty("name").GetString(), s.GetProperty("state").GetString())).ToList();
        Assert.Contains(("sample-source", "running"), stages);
        Assert.Contains(("dlq-monitor", "running"), stages);
        await host.StopAsync();
    }
}
