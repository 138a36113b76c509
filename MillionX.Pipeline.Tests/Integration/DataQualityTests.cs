using System.Security.Cryptography;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Observability;
using MillionX.Pipeline.Quality;
using MillionX.Pipeline.Stages.DataQuality;
using MillionX.Pipeline.Warehouse;
using MillionX.Pipeline.Warehouse.Snowflake;
using MillionX.Pipeline.Tests.Unit;
using Prometheus;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// The data-quality checks on a real DuckDB file seeded with good data (every check passes) and with one breach at a
/// time (the check it is about fails); the same checks through the Snowflake SQL API client against the fake; the
/// quality command's output; and the stage's gauges.
/// </summary>
public sealed class DataQualityTests : IDisposable, IAsyncLifetime
{
    private const string QualifiedUser = "XY12345.QUALITY";
    private static readonly DateTime Now = new(2026, 12, 5, 12, 0, 0, DateTimeKind.Utc);
    private static readonly RSA Key = RSA.Create(2048);

    private static readonly (string Table, string Check)[] DuckDbChecks =
    [
        ("ORDERS", "volume_last_hour"), ("ORDERS", "freshness"), ("ORDERS", "null_rate"), ("ORDERS", "duplicate_rate"), ("ORDERS", "range_price"), ("ORDERS", "range_quantity"),
        ("PRICE_HISTORY", "volume_last_hour"), ("PRICE_HISTORY", "null_rate"), ("PRICE_HISTORY", "duplicate_rate"), ("PRICE_HISTORY", "range_price"), ("PRICE_HISTORY", "referential_orders"),
        ("WEATHER_LOGS", "volume_last_hour"), ("WEATHER_LOGS", "freshness"), ("WEATHER_LOGS", "null_rate"), ("WEATHER_LOGS", "duplicate_rate"), ("WEATHER_LOGS", "range_humidity"), ("WEATHER_LOGS", "range_temperature"),
        ("PRODUCT_CATALOGUE", "null_rate"), ("PRODUCT_CATALOGUE", "duplicate_rate"), ("PRODUCT_CATALOGUE", "range_price"),
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("quality-").FullName;
    private readonly List<IDisposable> _disposables = [];
    private FakeSnowflake? _snowflake;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_snowflake is not null)
        {
            await _snowflake.DisposeAsync();
        }

        foreach (var d in _disposables)
        {
            d.Dispose();
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<QualityReport> Run(IQualityWarehouse warehouse, DataQualityOptions? options = null, DateTime? now = null)
    {
        await using (warehouse)
        {
            var runner = new QualityRunner(options ?? new DataQualityOptions(), new ValidationLimits(), new FixedClock(now ?? Now), NullLogger.Instance);
            return await runner.RunAsync(warehouse, [], CancellationToken.None);
        }
    }

    private static QualityCheckResult Check(QualityReport r, string table, string check) => Assert.Single(r.Checks, c => c.Table == table && c.Check == check);

    [Fact]
    public async Task Run_GoodData_EveryCheckPassesWithItsMeasuredValue()
    {
        var report = await Run(new DuckDbQualityWarehouse(QualityData.File(_dir, Now)));

        Assert.Equal(DuckDbChecks.Order(), report.Checks.Select(c => (c.Table, c.Check)).Order());
        Assert.All(report.Checks, c => Assert.True(c.Status == QualityStatus.Pass, $"{c.Table}/{c.Check}: {c.Status} {c.Value} vs {c.Threshold}: {c.Detail}"));
        Assert.True(report.Ok);
        Assert.Equal(20, report.Passed);

        // Ten orders in the last hour against a median of ten on the six earlier days the table existed, times 0.5.
        var volume = Check(report, "ORDERS", "volume_last_hour");
        Assert.Equal(10, volume.Value);
        Assert.Equal(5, volume.Threshold);
        Assert.Contains("6 earlier day(s)", volume.Detail, StringComparison.Ordinal);
        // Newest order 10 minutes old, newest weather observation 20 minutes old.
        Assert.Equal(600, Check(report, "ORDERS", "freshness").Value);
        Assert.Equal(1200, Check(report, "WEATHER_LOGS", "freshness").Value);
        Assert.Equal(7200, Check(report, "WEATHER_LOGS", "freshness").Threshold);
        Assert.Equal(0, Check(report, "PRICE_HISTORY", "referential_orders").Value);
    }

    [Theory]
    [MemberData(nameof(QualityData.Breaches), MemberType = typeof(QualityData))]
    public async Task Run_OneBreach_ThatCheckFails(string scenario, string table, string check)
    {
        var report = await Run(new DuckDbQualityWarehouse(QualityData.File(_dir, Now, scenario)));

        var result = Check(report, table, check);
        Assert.Equal(QualityStatus.Fail, result.Status);
        Assert.NotNull(result.Value);
        Assert.True(result.Comparison == "<=" ? result.Value > result.Threshold : result.Value < result.Threshold, $"{result.Value} {result.Comparison} {result.Threshold}");
        Assert.False(report.Ok);
    }

    [Fact]
    public async Task Run_BlankName_DetailNamesTheColumn()
    {
        var report = await Run(new DuckDbQualityWarehouse(QualityData.File(_dir, Now, "blank_name")));

        var nulls = Check(report, "ORDERS", "null_rate");
        Assert.Equal(0.1, nulls.Value!.Value, 6);
        Assert.Contains("1 of 10 rows", nulls.Detail, StringComparison.Ordinal);
        Assert.Contains("PRODUCT_NAME 1", nulls.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TableYoungerThanADay_VolumeIsJudgedAgainstTheConfiguredFloor()
    {
        var path = Path.Combine(_dir, "young.duckdb");
        using (var c = new DuckDBConnection($"Data Source={path}"))
        {
            c.Open();
            QualityData.CreateTables(c);
            QualityData.SeedGood(c, Now, days: 0, ordersPerHour: 4);
        }

        var passing = Check(await Run(new DuckDbQualityWarehouse(path)), "ORDERS", "volume_last_hour");
        Assert.Equal((QualityStatus.Pass, 4.0, 1.0), (passing.Status, passing.Value!.Value, passing.Threshold!.Value));
        Assert.Contains("no baseline yet", passing.Detail, StringComparison.Ordinal);

        var options = new DataQualityOptions();
        options.MinRowsPerHour["ORDERS"] = 20;
        var failing = Check(await Run(new DuckDbQualityWarehouse(path), options), "ORDERS", "volume_last_hour");
        Assert.Equal((QualityStatus.Fail, 20.0), (failing.Status, failing.Threshold!.Value));
    }

    [Fact]
    public async Task Run_MissingTables_RequiredOnesErrorTheCatalogueIsSkipped()
    {
        var path = QualityData.File(_dir, Now);
        using (var c = new DuckDBConnection($"Data Source={path}"))
        {
            c.Open();
            c.Execute("DROP TABLE RAW_DATA.WEATHER_LOGS; DROP TABLE PRODUCT_CATALOGUE;");
        }

        var report = await Run(new DuckDbQualityWarehouse(path));

        Assert.All(report.Checks.Where(c => c.Table == "WEATHER_LOGS"), c => Assert.Equal(QualityStatus.Error, c.Status));
        Assert.All(report.Checks.Where(c => c.Table == "PRODUCT_CATALOGUE"), c => Assert.Equal(QualityStatus.Skipped, c.Status));
        Assert.All(report.Checks.Where(c => c.Table is "ORDERS" or "PRICE_HISTORY"), c => Assert.Equal(QualityStatus.Pass, c.Status));
        Assert.Equal(6, report.Errors);
        Assert.False(report.Ok);
    }

    [Fact]
    public async Task Run_InTheProcessThatWritesTheFile_SharesTheDatabase()
    {
        var path = QualityData.File(_dir, Now);
        // As in the local profile: the warehouse writer has the file open in this process while the stage checks it.
        using var writer = DuckDbFiles.Open(path);
        writer.Execute("UPDATE RAW_DATA.ORDERS SET PRICE = -1 WHERE ORDER_ID = 'O-0-1'");

        var report = await Run(new DuckDbQualityWarehouse(path));

        Assert.Equal(QualityStatus.Fail, Check(report, "ORDERS", "range_price").Status);
        Assert.Equal(0, report.Errors);
    }

    [Fact]
    public async Task Snowflake_ThroughTheSqlApiFake_OneStatementPerTableAndTheSameVerdicts()
    {
        var tables = await StartSnowflakeAsync(Now);

        var good = await Run(SnowflakeWarehouse());

        // No PRODUCT_CATALOGUE on Snowflake (the enricher keeps it in DuckDB or Redis).
        Assert.Equal(DuckDbChecks.Where(c => c.Table != "PRODUCT_CATALOGUE").Order(), good.Checks.Select(c => (c.Table, c.Check)).Order());
        Assert.All(good.Checks, c => Assert.True(c.Status == QualityStatus.Pass, $"{c.Table}/{c.Check}: {c.Detail}"));
        Assert.Equal("snowflake", good.Warehouse);
        // Timestamps came back as Snowflake encodes TIMESTAMP_NTZ (epoch seconds) and were read as such.
        Assert.Equal(600, Check(good, "ORDERS", "freshness").Value);
        var posts = _snowflake!.Posts;
        Assert.Equal(3, posts.Count);
        Assert.All(posts, p => Assert.StartsWith("SELECT ", p.Statement, StringComparison.Ordinal));
        Assert.All(posts, p => Assert.Empty(p.Bindings));
        Assert.Empty(_snowflake.Violations);

        // Snowflake does not enforce primary keys: a repeated order is there to be found.
        QualityData.Breach(tables, "duplicate_order", Now);
        QualityData.Breach(tables, "temperature", Now);
        var bad = await Run(SnowflakeWarehouse());
        Assert.Equal(QualityStatus.Fail, Check(bad, "ORDERS", "duplicate_rate").Status);
        Assert.Equal(1 / 11.0, Check(bad, "ORDERS", "duplicate_rate").Value!.Value, 6);
        Assert.Equal(QualityStatus.Fail, Check(bad, "WEATHER_LOGS", "range_temperature").Status);

        tables.Execute("DROP TABLE RAW_DATA.WEATHER_LOGS");
        var missing = await Run(SnowflakeWarehouse());
        Assert.All(missing.Checks.Where(c => c.Table == "WEATHER_LOGS"), c => Assert.Equal(QualityStatus.Error, c.Status));
        Assert.Equal(QualityStatus.Fail, Check(missing, "ORDERS", "duplicate_rate").Status);
    }

    /// <summary>The Snowflake fake, its tables in an in-memory DuckDB with good data up to <paramref name="now"/> and no key enforced (as on Snowflake).</summary>
    private async Task<DuckDBConnection> StartSnowflakeAsync(DateTime now)
    {
        _snowflake = await FakeSnowflake.StartAsync(Key.ExportSubjectPublicKeyInfo(), QualifiedUser);
        var tables = new DuckDBConnection("Data Source=:memory:");
        _disposables.Add(tables);
        tables.Open();
        QualityData.CreateTables(tables, enforceKeys: false);
        QualityData.SeedGood(tables, now);
        _snowflake.Tables = tables;
        return tables;
    }

    private SnowflakeQualityWarehouse SnowflakeWarehouse()
    {
        var options = new SnowflakeOptions
        {
            AccountUrl = _snowflake!.Url.ToString(),
            Account = "xy12345",
            User = "quality",
            PrivateKey = Key.ExportPkcs8PrivateKeyPem(),
            Database = "MILLIONX",
            Schema = "PUBLIC",
            MaxAttempts = 2,
            InitialBackoff = TimeSpan.FromMilliseconds(5),
            HttpTimeout = TimeSpan.FromSeconds(10),
        };
        var http = new HttpClient();
        var jwt = SnowflakeJwt.From(options, TimeProvider.System);
        _disposables.Add(http);
        _disposables.Add(jwt);
        return new SnowflakeQualityWarehouse(new SnowflakeSqlApiClient(http, options, jwt, TimeProvider.System, NullLogger<SnowflakeSqlApiClient>.Instance), options);
    }

    /// <summary>
    /// `dotnet run` uses launchSettings.json, whose profiles set DOTNET_ENVIRONMENT=Development, where the host validates
    /// every registration when it is built: the quality command's host must resolve them all (it once lacked the
    /// pipeline counters that SourcePassRates reads, and crashed before checking anything).
    /// </summary>
    [Fact]
    public void QualityCommand_DevelopmentHost_EveryRegistrationResolves()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        QualityCommand.Register(builder);

        using var host = builder.Build();

        Assert.NotNull(host.Services.GetRequiredService<SourcePassRates>());
    }

    [Fact]
    public async Task QualityCommand_Json_PrintsEveryCheckWithValueAndThreshold_ExitOneOnBreach()
    {
        var now = DateTime.UtcNow;
        var good = QualityData.File(_dir, now);
        var output = new StringWriter();

        var exit = await QualityCommand.RunAsync(CommandLine.Parse(["quality", "--json"]), Overrides(good), output);

        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output.ToString());
        var root = doc.RootElement;
        Assert.Equal(["checked_at", "checks", "errors", "failed", "ok", "passed", "skipped", "target", "warehouse"], root.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("duckdb", root.GetProperty("warehouse").GetString());
        Assert.Equal(Path.GetFullPath(good), root.GetProperty("target").GetString());
        Assert.True(root.GetProperty("ok").GetBoolean());
        Assert.Equal(20, root.GetProperty("passed").GetInt32());
        var checks = root.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(21, checks.Count);
        var price = checks.Single(c => c.GetProperty("table").GetString() == "ORDERS" && c.GetProperty("check").GetString() == "range_price");
        Assert.Equal(["check", "comparison", "detail", "status", "table", "threshold", "unit", "value"], price.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(("pass", 0.0, 0.0, "<=", "ratio"),
            (price.GetProperty("status").GetString(), price.GetProperty("value").GetDouble(), price.GetProperty("threshold").GetDouble(), price.GetProperty("comparison").GetString(), price.GetProperty("unit").GetString()));
        // The warehouse holds only accepted records: without --metrics-url the pass rate is not judged, and says why.
        var sources = checks.Single(c => c.GetProperty("check").GetString() == "schema_pass_rate");
        Assert.Equal("skipped", sources.GetProperty("status").GetString());
        Assert.False(sources.TryGetProperty("value", out _));

        var bad = QualityData.File(_dir, now, "zero_price");
        var text = new StringWriter();
        Assert.Equal(1, await QualityCommand.RunAsync(CommandLine.Parse(["quality"]), Overrides(bad), text));
        var lines = text.ToString().Split('\n');
        Assert.Contains("19 passed, 1 failed, 0 could not run, 1 skipped", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^FAIL\s+\| ORDERS\s+\| range_price\s+\| 10 %\s+\| <= 0 %\s+\| 1 of 10 rows have PRICE <= 0", lines[3]);

        var missing = await Assert.ThrowsAsync<ArgumentException>(() => QualityCommand.RunAsync(CommandLine.Parse(["quality"]), Overrides(Path.Combine(_dir, "none.duckdb")), new StringWriter()));
        Assert.Contains("No warehouse at", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QualityCommand_SnowflakeWriter_ChecksThroughTheSqlApi()
    {
        var tables = await StartSnowflakeAsync(DateTime.UtcNow);
        QualityData.Breach(tables, "orphan_price", DateTime.UtcNow);
        var overrides = new Dictionary<string, string?>
        {
            ["Warehouse:Writer"] = "snowflake",
            ["Warehouse:Snowflake:AccountUrl"] = _snowflake!.Url.ToString(),
            ["Warehouse:Snowflake:Account"] = "xy12345",
            ["Warehouse:Snowflake:User"] = "quality",
            ["Warehouse:Snowflake:PrivateKey"] = Key.ExportPkcs8PrivateKeyPem(),
            ["Warehouse:Snowflake:Database"] = "MILLIONX",
            ["Warehouse:Snowflake:Schema"] = "RAW_DATA",
        };
        var output = new StringWriter();

        var exit = await QualityCommand.RunAsync(CommandLine.Parse(["quality", "--json"]), overrides, output);

        Assert.Equal(1, exit);
        using var doc = JsonDocument.Parse(output.ToString());
        Assert.Equal("snowflake", doc.RootElement.GetProperty("warehouse").GetString());
        Assert.EndsWith("MILLIONX.RAW_DATA", doc.RootElement.GetProperty("target").GetString(), StringComparison.Ordinal);
        var failed = doc.RootElement.GetProperty("checks").EnumerateArray().Where(c => c.GetProperty("status").GetString() != "pass")
            .Select(c => $"{c.GetProperty("table").GetString()}/{c.GetProperty("check").GetString()}/{c.GetProperty("status").GetString()}").ToList();
        Assert.Equal(["PRICE_HISTORY/referential_orders/fail", "sources/schema_pass_rate/skipped"], failed);
        Assert.Equal(3, _snowflake.Posts.Count);
        Assert.Empty(_snowflake.Violations);
    }

    [Fact]
    public async Task QualityCommand_MetricsUrl_JudgesTheSourcesOfARunningPipeline()
    {
        await using var pipeline = await MetricsPage.StartAsync("""
            # TYPE millionx_records_in_total counter
            millionx_records_in_total{stage="shopify-sync"} 1000
            millionx_records_in_total{stage="privacy-shield"} 390
            # TYPE millionx_dead_letters_total counter
            millionx_dead_letters_total{stage="shopify-sync",reason="missing_field"} 10
            millionx_dead_letters_total{stage="privacy-shield",reason="malformed_json"} 300
            """);
        var output = new StringWriter();

        var exit = await QualityCommand.RunAsync(
            CommandLine.Parse(["quality", "--json", "--metrics-url", pipeline.Address + "/metrics"]), Overrides(QualityData.File(_dir, DateTime.UtcNow)), output);

        Assert.True(exit == 0, output.ToString());
        using var doc = JsonDocument.Parse(output.ToString());
        var source = Assert.Single(doc.RootElement.GetProperty("checks").EnumerateArray(), c => c.GetProperty("check").GetString() == "schema_pass_rate");
        Assert.Equal(("shopify-sync", "pass", 0.99), (source.GetProperty("table").GetString(), source.GetProperty("status").GetString(), source.GetProperty("value").GetDouble()));

        var down = new StringWriter();
        Assert.Equal(1, await QualityCommand.RunAsync(
            CommandLine.Parse(["quality", "--json", "--metrics-url", "http://127.0.0.1:9/metrics"]), Overrides(QualityData.File(_dir, DateTime.UtcNow)), down));
        Assert.Contains("\"status\":\"error\"", down.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A stand-in for a running pipeline's /metrics endpoint: serves a fixed Prometheus text page.</summary>
    private sealed class MetricsPage : FakeServer
    {
        public static async Task<MetricsPage> StartAsync(string page)
        {
            var server = new MetricsPage();
            await server.ListenAsync(async ctx =>
            {
                ctx.Response.ContentType = "text/plain; version=0.0.4";
                await Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(ctx.Response, page, ctx.RequestAborted);
            });
            return server;
        }
    }

    private static Dictionary<string, string?> Overrides(string path) => new()
    {
        ["Warehouse:Writer"] = "duckdb",
        ["Warehouse:DuckDb:Path"] = path,
    };

    [Fact]
    public async Task Stage_Run_ExportsPassedAndValueGaugesPerCheckAndSourcePassRates()
    {
        var path = QualityData.File(_dir, DateTime.UtcNow, "humidity");
        var metrics = new PipelineMetrics();
        var shopify = metrics.Stage("shopify-sync");
        shopify.RecordIn(200);
        for (var i = 0; i < 10; i++)
        {
            shopify.RecordDeadLetter("out_of_range");
        }

        metrics.Stage("weather").RecordIn(60);
        // Not a source: its dead letters are not schema validation.
        metrics.Stage("privacy-shield").RecordIn(100);
        var options = Options.Create(new DataQualityOptions { StartDelay = TimeSpan.Zero, Interval = TimeSpan.FromHours(1) });
        var registry = new StageRegistry();
        await using var warehouse = new DuckDbQualityWarehouse(path);
        using var stage = new DataQualityStage(
            warehouse, new SourcePassRates(metrics, TimeProvider.System), options,
            new RecordValidator(new ValidationLimits(), TimeProvider.System), registry, TimeProvider.System, NullLogger<DataQualityStage>.Instance);
        await stage.StartAsync(CancellationToken.None);
        try
        {
            Assert.True(await TestConfig.Eventually(() => stage.Runs >= 1, TimeSpan.FromSeconds(30)), "the stage did not run its checks");
        }
        finally
        {
            await stage.StopAsync(CancellationToken.None);
        }

        var report = stage.LastReport!;
        Assert.Equal(QualityStatus.Fail, Check(report, "WEATHER_LOGS", "range_humidity").Status);
        Assert.Equal(QualityStatus.Fail, Check(report, "shopify-sync", "schema_pass_rate").Status);
        Assert.Equal(QualityStatus.Pass, Check(report, "weather", "schema_pass_rate").Status);
        Assert.DoesNotContain(report.Checks, c => c.Table == "privacy-shield");
        Assert.Equal(StageState.Stopped, registry.Get(DataQualityStage.StageName).State);

        using var stream = new MemoryStream();
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(stream);
        var scrape = Encoding.UTF8.GetString(stream.ToArray());
        Assert.Contains("millionx_quality_check_passed{check=\"range_humidity\",table=\"WEATHER_LOGS\"} 0", scrape, StringComparison.Ordinal);
        Assert.Contains("millionx_quality_check_value{check=\"range_humidity\",table=\"WEATHER_LOGS\"} 0.2", scrape, StringComparison.Ordinal);
        Assert.Contains("millionx_quality_check_passed{check=\"volume_last_hour\",table=\"ORDERS\"} 1", scrape, StringComparison.Ordinal);
        Assert.Contains("millionx_quality_check_value{check=\"volume_last_hour\",table=\"ORDERS\"} 10", scrape, StringComparison.Ordinal);
        Assert.Contains("millionx_quality_check_passed{check=\"schema_pass_rate\",table=\"shopify-sync\"} 0", scrape, StringComparison.Ordinal);
        Assert.Contains("millionx_quality_check_value{check=\"schema_pass_rate\",table=\"shopify-sync\"} 0.95", scrape, StringComparison.Ordinal);
        Assert.Contains("millionx_quality_check_passed{check=\"schema_pass_rate\",table=\"weather\"} 1", scrape, StringComparison.Ordinal);
        Assert.Matches(@"millionx_quality_last_run_timestamp_seconds \d{10}", scrape);
    }
}
