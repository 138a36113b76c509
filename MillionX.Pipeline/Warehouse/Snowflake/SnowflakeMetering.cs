using Prometheus;

namespace MillionX.Pipeline.Warehouse.Snowflake;

/// <summary>
/// <c>Warehouse:Snowflake:Metering</c>: what Snowflake itself metered, read from <c>SNOWFLAKE.ACCOUNT_USAGE</c> on a
/// schedule by the warehouse-sink when it writes Snowflake. The price per credit is <c>Warehouse:Snowflake:UsdPerCredit</c>.
/// </summary>
public sealed class SnowflakeMeteringOptions
{
    public const string Section = "Warehouse:Snowflake:Metering";

    /// <summary>Read the metering views (only when <c>Warehouse:Writer</c> is <c>snowflake</c>). The role needs
    /// IMPORTED PRIVILEGES on the SNOWFLAKE database (or the USAGE_VIEWER database role).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between reads. The views are hourly; each read is a small query on the configured warehouse.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How far behind real time the views are: Snowflake documents up to 3 h for WAREHOUSE_METERING_HISTORY
    /// and METERING_HISTORY. The measured day ends this long ago, so it is complete.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ReportingLatency { get; set; } = TimeSpan.FromHours(3);

    /// <summary>Warehouses whose credits count; empty: <c>Warehouse:Snowflake:Warehouse</c>.</summary>
    public List<string> Warehouses { get; set; } = [];

    /// <summary>Also count Snowpipe Streaming credits (METERING_HISTORY, SERVICE_TYPE SNOWPIPE_STREAMING): the
    /// Kafka Connect route's cost.</summary>
    public bool IncludeSnowpipeStreaming { get; set; } = true;
}

/// <summary>One hour of metered credits, as the ACCOUNT_USAGE views report it.</summary>
public sealed record MeteredHour(string Service, string Name, DateTimeOffset Start, double Credits);

/// <summary>Credits per (service, name) over one measured day, and what that day cost.</summary>
public sealed record MeteringReport(DateTimeOffset From, DateTimeOffset To, IReadOnlyDictionary<(string Service, string Name), double> Credits, double UsdPerDay)
{
    public double TotalCredits => Credits.Values.Sum();
}

/// <summary>The metering queries and the arithmetic on their answers. Pure.</summary>
public static class SnowflakeMeteringQueries
{
    public const string WarehouseService = "warehouse";
    public const string SnowpipeStreamingService = "snowpipe_streaming";

    /// <summary>Hourly credits of the named warehouses in [from, to). Bindings: from, to (Unix seconds), then the names.</summary>
    public static string WarehouseMetering(int warehouses) =>
        "SELECT WAREHOUSE_NAME, DATE_PART(EPOCH_SECOND, START_TIME), CREDITS_USED "
        + "FROM SNOWFLAKE.ACCOUNT_USAGE.WAREHOUSE_METERING_HISTORY "
        + "WHERE START_TIME >= TO_TIMESTAMP_LTZ(?) AND START_TIME < TO_TIMESTAMP_LTZ(?) "
        + $"AND WAREHOUSE_NAME IN ({string.Join(", ", Enumerable.Repeat("?", warehouses))}) ORDER BY START_TIME";

    /// <summary>Hourly Snowpipe Streaming credits in [from, to). Bindings: from, to (Unix seconds).</summary>
    public const string SnowpipeStreamingMetering =
        "SELECT NAME, DATE_PART(EPOCH_SECOND, START_TIME), CREDITS_USED "
        + "FROM SNOWFLAKE.ACCOUNT_USAGE.METERING_HISTORY "
        + "WHERE SERVICE_TYPE = 'SNOWPIPE_STREAMING' AND START_TIME >= TO_TIMESTAMP_LTZ(?) AND START_TIME < TO_TIMESTAMP_LTZ(?) ORDER BY START_TIME";

    /// <summary>The measured day: the 24 whole hours that end <paramref name="latency"/> before now (rounded down to the hour).</summary>
    public static (DateTimeOffset From, DateTimeOffset To) Window(DateTimeOffset now, TimeSpan latency)
    {
        var end = (now - latency).UtcDateTime;
        var to = new DateTimeOffset(end.Date.AddHours(end.Hour), TimeSpan.Zero);
        return (to - TimeSpan.FromDays(1), to);
    }

    public static string Seconds(DateTimeOffset t) => t.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>Rows of (name, epoch seconds, credits) as the SQL API returns them (jsonv2: every value a string).</summary>
    public static IEnumerable<MeteredHour> Parse(string service, IEnumerable<IReadOnlyList<string?>> rows) =>
        rows.Select(r => new MeteredHour(
            service,
            r[0] ?? "",
            DateTimeOffset.FromUnixTimeSeconds((long)double.Parse(r[1]!, CultureInfo.InvariantCulture)),
            r[2] is { } c ? double.Parse(c, CultureInfo.InvariantCulture) : 0));

    /// <summary>Sums the hours inside the window per (service, name); a day's credits times the price is the cost per day.</summary>
    public static MeteringReport Report(IEnumerable<MeteredHour> hours, DateTimeOffset from, DateTimeOffset to, double usdPerCredit)
    {
        var credits = hours.Where(h => h.Start >= from && h.Start < to)
            .GroupBy(h => (h.Service, h.Name))
            .ToDictionary(g => g.Key, g => g.Sum(h => h.Credits));
        var perDay = credits.Values.Sum() / (to - from).TotalDays * usdPerCredit;
        return new MeteringReport(from, to, credits, perDay);
    }
}

/// <summary>
/// Reads Snowflake's own metering through the SQL API on a schedule and exports it: the real figure behind the
/// client-side estimate of <see cref="SnowflakeCostMeter"/> (which only sees this process's statements). Runs in the
/// warehouse-sink when it writes Snowflake; every replica reads the same account-wide numbers, so alerts take the max.
/// </summary>
public sealed class SnowflakeMeteringService(
    IOptions<WarehouseOptions> warehouse,
    IOptions<SnowflakeMeteringOptions> options,
    Func<SnowflakeSqlApiClient> client,
    TimeProvider clock,
    ILogger<SnowflakeMeteringService> logger) : BackgroundService
{
    private static readonly Gauge CreditsUsed = Metrics.CreateGauge(
        "millionx_snowflake_credits_used",
        "Credits Snowflake metered over the measured day (the 24 h ending Metering:ReportingLatency ago), by service (warehouse, snowpipe_streaming) and name.",
        "service", "name");

    private static readonly Gauge CostPerDay = Metrics.CreateGauge(
        "millionx_snowflake_cost_usd_per_day", "Snowflake spend of the measured day from ACCOUNT_USAGE metering, credits times Warehouse:Snowflake:UsdPerCredit.");

    private static readonly Gauge LastSuccess = Metrics.CreateGauge(
        "millionx_snowflake_metering_last_success_timestamp_seconds", "When the metering views were last read successfully (Unix seconds).");

    private readonly HashSet<(string, string)> _exported = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (warehouse.Value.Writer != "snowflake" || !options.Value.Enabled)
        {
            return;
        }

        var sql = client();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var report = await ReadAsync(sql, stoppingToken);
                logger.LogInformation("Snowflake metering {From:u} to {To:u}: {Credits:0.###} credits, ${Usd:0.00}/day",
                    report.From, report.To, report.TotalCredits, report.UsdPerDay);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is SnowflakeStatementException or TransientWarehouseException or HttpRequestException or FormatException)
            {
                // The gauges keep their last values; the staleness of the last success shows the gap.
                logger.LogWarning(ex, "Snowflake metering read failed; next try in {Interval}", options.Value.Interval);
            }

            try
            {
                await Task.Delay(options.Value.Interval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>One read of the views; updates the gauges and returns what it measured.</summary>
    public async Task<MeteringReport> ReadAsync(SnowflakeSqlApiClient sql, CancellationToken ct)
    {
        var o = options.Value;
        var s = warehouse.Value.Snowflake;
        var (from, to) = SnowflakeMeteringQueries.Window(clock.GetUtcNow(), o.ReportingLatency);
        var range = new[] { SnowflakeMeteringQueries.Seconds(from), SnowflakeMeteringQueries.Seconds(to) };
        var warehouses = o.Warehouses.Count > 0 ? o.Warehouses : [s.Warehouse];
        var names = warehouses.Where(w => !string.IsNullOrWhiteSpace(w)).Select(w => w.ToUpperInvariant()).ToList();

        var hours = new List<MeteredHour>();
        if (names.Count > 0)
        {
            var answer = await sql.ExecuteAsync(SnowflakeMeteringQueries.WarehouseMetering(names.Count), [.. range, .. names], ct);
            hours.AddRange(SnowflakeMeteringQueries.Parse(SnowflakeMeteringQueries.WarehouseService, answer.Data ?? []));
        }

        if (o.IncludeSnowpipeStreaming)
        {
            var answer = await sql.ExecuteAsync(SnowflakeMeteringQueries.SnowpipeStreamingMetering, range, ct);
            hours.AddRange(SnowflakeMeteringQueries.Parse(SnowflakeMeteringQueries.SnowpipeStreamingService, answer.Data ?? []));
        }

        var report = SnowflakeMeteringQueries.Report(hours, from, to, s.UsdPerCredit);

        // A warehouse idle all day has no rows: it is exported as 0 rather than keeping yesterday's figure.
        foreach (var name in names)
        {
            _exported.Add((SnowflakeMeteringQueries.WarehouseService, name));
        }

        foreach (var key in report.Credits.Keys)
        {
            _exported.Add(key);
        }

        foreach (var (service, name) in _exported)
        {
            CreditsUsed.WithLabels(service, name).Set(report.Credits.GetValueOrDefault((service, name)));
        }

        CostPerDay.Set(report.UsdPerDay);
        LastSuccess.Set(clock.GetUtcNow().ToUnixTimeSeconds());
        return report;
    }
}
