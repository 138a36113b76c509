using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.Warehouse;
using MillionX.Pipeline.Warehouse.Snowflake;
using Prometheus;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// Snowflake's own metering read through the production SQL API client from <see cref="FakeSnowflake"/>, whose
/// ACCOUNT_USAGE views hold scripted hours and filter them by the bound window and warehouse names as Snowflake would.
/// </summary>
public sealed partial class SnowflakeMeteringTests : IAsyncLifetime
{
    private const string QualifiedUser = "XY12345.LOADER";
    private static readonly RSA Key = RSA.Create(2048);

    // 12:20 UTC: with the documented 3 h latency the measured day is [yesterday 09:00, today 09:00).
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 20, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset From = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = From.AddDays(1);

    private readonly ObservableClock _clock = new(Now);
    private readonly List<IDisposable> _disposables = [];
    private FakeSnowflake _server = null!;

    public async Task InitializeAsync() => _server = await FakeSnowflake.StartAsync(Key.ExportSubjectPublicKeyInfo(), QualifiedUser, _clock);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _disposables.ForEach(d => d.Dispose());
    }

    [Fact]
    public async Task ReadAsync_MeteredHours_ExportsTheMeasuredDaysCreditsAndCost()
    {
        _server.MeteredHours.AddRange(
        [
            ("WAREHOUSE_METERING_HISTORY", "LOAD_WH", From.AddHours(-1), 7),   // before the day
            ("WAREHOUSE_METERING_HISTORY", "LOAD_WH", From, 1.5),
            ("WAREHOUSE_METERING_HISTORY", "LOAD_WH", To.AddHours(-1), 0.5),
            ("WAREHOUSE_METERING_HISTORY", "LOAD_WH", To, 9),                  // within the reporting latency: not yet complete
            ("WAREHOUSE_METERING_HISTORY", "ANALYST_WH", From.AddHours(2), 40), // another team's warehouse
            ("SNOWPIPE_STREAMING", "MILLIONX_CONNECT", From.AddHours(5), 0.25),
        ]);
        var service = Service(new SnowflakeMeteringOptions());

        var report = await service.ReadAsync(Client(), CancellationToken.None);

        Assert.Equal((From, To), (report.From, report.To));
        Assert.Equal(2.0, report.Credits[("warehouse", "LOAD_WH")], 9);
        Assert.Equal(0.25, report.Credits[("snowpipe_streaming", "MILLIONX_CONNECT")], 9);
        Assert.Equal(2, report.Credits.Count);
        Assert.Equal(6.75, report.UsdPerDay, 9);     // 2.25 credits x $3
        Assert.Empty(_server.Violations);

        // What went over the wire: two statements on the account-usage views, the window as bound Unix seconds.
        var posts = _server.Posts;
        Assert.Equal(2, posts.Count);
        Assert.Contains("SNOWFLAKE.ACCOUNT_USAGE.WAREHOUSE_METERING_HISTORY", posts[0].Statement, StringComparison.Ordinal);
        Assert.Equal([From.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), To.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), "LOAD_WH"], posts[0].Bindings);
        Assert.Contains("SERVICE_TYPE = 'SNOWPIPE_STREAMING'", posts[1].Statement, StringComparison.Ordinal);

        // ...and the exported series the cost alert reads.
        var scrape = await Scrape();
        Assert.Equal(6.75, Sample(scrape, "millionx_snowflake_cost_usd_per_day"), 9);
        Assert.Equal(2.0, Sample(scrape, "millionx_snowflake_credits_used{service=\"warehouse\",name=\"LOAD_WH\"}"), 9);
        Assert.Equal(Now.ToUnixTimeSeconds(), Sample(scrape, "millionx_snowflake_metering_last_success_timestamp_seconds"));
    }

    [Fact]
    public async Task ReadAsync_ConfiguredWarehousesAndNoStreaming_CountsThoseWarehousesOnly()
    {
        _server.MeteredHours.AddRange(
        [
            ("WAREHOUSE_METERING_HISTORY", "LOAD_WH", From.AddHours(1), 1),
            ("WAREHOUSE_METERING_HISTORY", "ANALYST_WH", From.AddHours(2), 4),
            ("SNOWPIPE_STREAMING", "MILLIONX_CONNECT", From.AddHours(5), 0.25),
        ]);
        var service = Service(new SnowflakeMeteringOptions { Warehouses = ["load_wh", "analyst_wh"], IncludeSnowpipeStreaming = false });

        var report = await service.ReadAsync(Client(), CancellationToken.None);

        Assert.Equal(5.0, report.TotalCredits, 9);
        Assert.Equal(15.0, report.UsdPerDay, 9);
        Assert.Single(_server.Posts);
    }

    [Fact]
    public async Task Service_WriterSnowflake_ReadsOnStartAndAgainAfterTheInterval()
    {
        _server.MeteredHours.Add(("WAREHOUSE_METERING_HISTORY", "LOAD_WH", From.AddHours(1), 1));
        var service = Service(new SnowflakeMeteringOptions { Interval = TimeSpan.FromMinutes(30), IncludeSnowpipeStreaming = false });

        await service.StartAsync(CancellationToken.None);
        try
        {
            Assert.True(await TestConfig.Eventually(() => _server.Posts.Count == 1, TimeSpan.FromSeconds(10)));

            // The fake records the read before it answers, and the service sets its 30-minute timer only once the
            // answer is parsed: moving the clock before the timer exists would set it 30 minutes after the new time.
            await _clock.WaitForTimerAsync(TimeSpan.FromMinutes(30));

            // A minute short of the interval nothing is read yet; the interval brings the second read.
            _clock.Advance(TimeSpan.FromMinutes(29));
            await Task.Delay(300);
            Assert.Single(_server.Posts);

            _clock.Advance(TimeSpan.FromMinutes(1));
            Assert.True(await TestConfig.Eventually(() => _server.Posts.Count == 2, TimeSpan.FromSeconds(10)));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Service_WriterDuckDb_SendsNothing()
    {
        var service = Service(new SnowflakeMeteringOptions(), writer: "duckdb");

        await service.StartAsync(CancellationToken.None);
        await service.ExecuteTask!;
        await service.StopAsync(CancellationToken.None);

        Assert.Empty(_server.Requests);
    }

    private SnowflakeMeteringService Service(SnowflakeMeteringOptions metering, string writer = "snowflake") => new(
        Options.Create(new WarehouseOptions { Writer = writer, Snowflake = SnowflakeOptions() }),
        Options.Create(metering),
        Client,
        _clock,
        NullLogger<SnowflakeMeteringService>.Instance);

    private SnowflakeOptions SnowflakeOptions() => new()
    {
        AccountUrl = _server.Url.ToString(),
        Account = "xy12345",
        User = "loader",
        PrivateKey = Key.ExportPkcs8PrivateKeyPem(),
        Warehouse = "LOAD_WH",
        UsdPerCredit = 3,
        MaxAttempts = 2,
        InitialBackoff = TimeSpan.FromMilliseconds(5),
        HttpTimeout = TimeSpan.FromSeconds(5),
    };

    private SnowflakeSqlApiClient Client()
    {
        var options = SnowflakeOptions();
        var http = new HttpClient();
        var jwt = SnowflakeJwt.From(options, _clock);
        _disposables.Add(http);
        _disposables.Add(jwt);
        return new SnowflakeSqlApiClient(http, options, jwt, _clock, new FakeLogger<SnowflakeSqlApiClient>());
    }

    private static async Task<string> Scrape()
    {
        using var stream = new MemoryStream();
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static double Sample(string exposition, string series)
    {
        var line = exposition.Split('\n').Single(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
