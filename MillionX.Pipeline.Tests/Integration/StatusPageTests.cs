using System.Net;
using Confluent.Kafka;
using Microsoft.Playwright;
using MillionX.Pipeline.DeadLetters;
using MillionX.Pipeline.Observability;
using MillionX.Pipeline.Stages.DeadLetterMonitor;
using MillionX.Pipeline.Stages.SocialScrapers;
using Xunit.Abstractions;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>The status page in Debian's Chromium (Playwright), served by a real host on the embedded broker.</summary>
public sealed class StatusPageTests(ITestOutputHelper output)
{
    private const string HostileReason = "<script>window.__xss=1</script>";
    private const string HostileCode = "<img src=x onerror=\"window.__xss=2\">";
    private const string Phone = "01712345678";

    private static readonly string[] LocalStages =
        ["context-enricher", "data-quality", "dlq-monitor", "embedding-service", "privacy-shield", "sample-source", "warehouse-sink"];

    [Fact]
    public async Task StatusPage_LocalProfile_RendersStagesDeadLettersSearchAndEscapesHostileText()
    {
        DebianPackages.Require("/usr/bin/chromium", "chromium");
        using var broker = new TestBroker();
        var config = broker.Config()
            .WithHttpEndpoint()
            .With("Stages:sample-source:RatePerSecond", "100")
            .With("Stages:sample-source:InvalidShare", "0.2");
        using var host = RunCommand.Build(CommandLine.Parse(["--profile", "local"]), config);
        await host.StartAsync();
        try
        {
            var address = Assert.Single(host.Services.GetRequiredService<HttpEndpoint>().Addresses);
            ProduceHostileDeadLetter(broker.Bootstrap);

            var metrics = host.Services.GetRequiredService<PipelineMetrics>();
            var ledger = host.Services.GetRequiredService<DeadLetterLedger>();
            Assert.True(await TestConfig.Eventually(
                () => metrics.Stage("embedding-service").Out >= 5 && ledger.Counts.Keys.Any(k => k.Reason == HostileReason)
                    && ledger.Counts.Keys.Any(k => k.Reason == "unreadable_envelope")
                    && ledger.Counts.Keys.Any(k => k.Reason != HostileReason),
                TimeSpan.FromSeconds(60)), "no vectors or dead letters arrived");

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Headless = true,
                Args = PlaywrightBrowserPool.LaunchArgs,
                Timeout = 60_000,
            });
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
            var consoleErrors = new List<string>();
            page.Console += (_, m) =>
            {
                if (m.Type == "error")
                {
                    consoleErrors.Add($"{m.Text} ({m.Location})");
                }
            };
            var response = await page.GotoAsync(address + "/status");
            Assert.Equal(200, response!.Status);
            Assert.Contains("script-src 'self'", response.Headers["content-security-policy"], StringComparison.Ordinal);

            // Stages with their state, counts and lag.
            await page.WaitForSelectorAsync("#stages tbody tr[data-stage='embedding-service']");
            var stageRows = await page.Locator("#stages tbody tr").EvaluateAllAsync<string[][]>(
                "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))");
            Assert.Equal(LocalStages, stageRows.Select(r => r[0]).ToArray());
            Assert.All(stageRows, r => Assert.Equal("running", r[1]));
            Assert.All(stageRows, r => Assert.Matches("^\\d+$", r[6])); // lag
            Assert.True(long.Parse(stageRows.Single(r => r[0] == "privacy-shield")[2], System.Globalization.CultureInfo.InvariantCulture) > 0);
            Assert.Matches("^\\d+$", await page.Locator("#total-lag").TextContentAsync() ?? "");
            Assert.Equal("ok", await page.Locator("#health").TextContentAsync());

            // Dead letters by reason: the hostile reason is text, nothing it carries ran.
            await page.WaitForSelectorAsync("#dead-letters tbody tr td.reason");
            var reasons = await page.Locator("#dead-letters tbody td.reason").AllTextContentsAsync();
            Assert.Contains(HostileReason, reasons);
            Assert.Contains(reasons, r => r is "missing_field" or "too_short" or "out_of_range" or "invalid_value" or "wrong_type" or "malformed_json" or "invalid_timestamp" or "timestamp_out_of_range");
            var examples = await page.Locator("#dlq-examples").TextContentAsync() ?? "";
            Assert.Contains(HostileCode, examples, StringComparison.Ordinal);
            Assert.Contains("PHONE_", examples, StringComparison.Ordinal);
            Assert.DoesNotContain(Phone, await page.ContentAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain("rahim@example.com", await page.ContentAsync(), StringComparison.Ordinal);
            Assert.Contains("aes-256-gcm (not shown)", examples, StringComparison.Ordinal); // encrypted social/market payloads
            Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"));
            Assert.Equal(0, await page.Locator("#dead-letters script, #dlq-examples script, #dlq-examples img").CountAsync());

            // Recent warnings: dlq-monitor's warning about the unreadable dead letter came through the Serilog sink.
            await page.WaitForSelectorAsync("#recent-errors tbody tr");
            var recent = await page.Locator("#recent-errors tbody tr").EvaluateAllAsync<string[][]>(
                "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))");
            Assert.Contains(recent, r => r[1] == "Warning" && r[3].Contains("Unreadable dead letter at \"dead-letters-weather\"", StringComparison.Ordinal));

            // Search box: the embedding stage's store and model answer.
            await page.FillAsync("#search-query", "eid shari offer");
            await page.ClickAsync("#search-button");
            await page.WaitForSelectorAsync("#search-results tbody tr");
            var hits = await page.Locator("#search-results tbody tr").EvaluateAllAsync<string[][]>(
                "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))");
            Assert.NotEmpty(hits);
            Assert.All(hits, h => Assert.InRange(double.Parse(h[0], System.Globalization.CultureInfo.InvariantCulture), -1.0001, 1.0001));
            Assert.All(hits, h => Assert.Contains(h[1], new[] { "tiktok", "facebook" }));
            Assert.Contains("result(s) from the duckdb vector store", await page.Locator("#search-status").TextContentAsync() ?? "", StringComparison.Ordinal);

            await page.Locator("#dlq-examples details").First.EvaluateAsync("d => d.open = true");
            var shot = Path.Combine(AppContext.BaseDirectory, "test-output", "status-page.png");
            Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            output.WriteLine($"Screenshot: {shot}");
            Assert.True(new FileInfo(shot).Length > 10_000);
            Assert.Empty(consoleErrors);
        }
        finally
        {
            // A host disposed while its stages still run would crash the test process.
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task StatusPage_HostWithoutEmbeddingStage_SaysSearchIsUnavailable()
    {
        using var broker = new TestBroker();
        var config = broker.Config()
            .WithHttpEndpoint();
        using var host = RunCommand.Build(CommandLine.Parse(["--role", "dlq-monitor"]), config);
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(Assert.Single(host.Services.GetRequiredService<HttpEndpoint>().Addresses)) };

        using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri("/status.json", UriKind.Relative)));
        var search = status.RootElement.GetProperty("search");
        Assert.False(search.GetProperty("available").GetBoolean());
        Assert.Contains("no embedding stage", search.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("dlq-monitor", Assert.Single(status.RootElement.GetProperty("stages").EnumerateArray()).GetProperty("name").GetString());
        Assert.True(status.RootElement.GetProperty("dead_letters").GetProperty("monitored").GetBoolean());

        using var response = await http.GetAsync(new Uri("/search?q=eid", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(body.RootElement.GetProperty("available").GetBoolean());
        Assert.Empty(body.RootElement.GetProperty("hits").EnumerateArray());
        await host.StopAsync();
    }

    /// <summary>A dead letter as a hostile or buggy producer could write it: markup in the reason, code and payload, and personal data.</summary>
    private static void ProduceHostileDeadLetter(string bootstrap)
    {
        var envelope = new DeadLetterEnvelope
        {
            Reason = HostileReason,
            Errors = [new ValidationError("$.city", HostileCode, $"call {Phone} or mail rahim@example.com <b>now</b>")],
            Stage = "sample-source",
            SourceTopic = "context.weather",
            Key = $"+880 {Phone[1..]}",
            Origin = "file:weather.jsonl:3",
            FailedAt = DateTimeOffset.UtcNow,
            OriginalPayload = $"{{\"city\":\"<script>window.__xss=3</script>\",\"note\":\"ring {Phone} or rahim@example.com\"}}",
            PayloadEncoding = "utf8",
            PayloadBytes = 90,
        };
        using var producer = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = bootstrap }).Build();
        producer.Produce("dead-letters-weather", new Message<byte[]?, byte[]> { Value = JsonSerializer.SerializeToUtf8Bytes(envelope, ContractJson.Default.DeadLetterEnvelope) });

        // And one that is no envelope at all: dlq-monitor logs a warning for it, which the status page shows.
        producer.Produce("dead-letters-weather", new Message<byte[]?, byte[]> { Value = "not an envelope"u8.ToArray() });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
    }
}
