namespace MillionX.Pipeline.Quality;

public enum ProbeKind
{
    /// <summary>A row count (or any number).</summary>
    Count,

    /// <summary>A timestamp (UTC, as the warehouse stores it).</summary>
    Timestamp,
}

/// <summary>One value a table's statement selects: a SQL expression and how to read it.</summary>
public sealed record Probe(string Sql, ProbeKind Kind);

/// <summary>A probe's value as read back: a number or a time (null when SQL gave NULL).</summary>
public readonly record struct ProbeValue(double? Number, DateTime? Time);

/// <summary>
/// The checks of one table: one SELECT (aggregates over the rows that arrived in the scan window, plus scalar
/// sub-queries), run as one statement so a Snowflake run costs one statement per table, and how its values become
/// check results. The SQL is plain enough for DuckDB and Snowflake alike (COUNT, SUM(CASE ...), MAX, NOT EXISTS,
/// TIMESTAMP literals).
/// </summary>
public sealed record TableChecks(
    string Table, bool Optional, IReadOnlyList<string> CheckNames, string Sql, IReadOnlyList<Probe> Probes,
    Func<IReadOnlyList<ProbeValue>, IReadOnlyList<QualityCheckResult>> Evaluate);

/// <summary>
/// The data-quality expectations as code: which checks each table gets, their SQL and how a measured value is judged
/// against <see cref="DataQualityOptions"/>. Pure: takes the schema, thresholds and the time, returns statements and
/// verdicts; running them is <see cref="QualityRunner"/>'s job.
/// </summary>
public static class QualityPlan
{
    public const string Volume = "volume_last_hour";
    public const string Freshness = "freshness";
    public const string NullRate = "null_rate";
    public const string DuplicateRate = "duplicate_rate";
    public const string PriceRange = "range_price";
    public const string QuantityRange = "range_quantity";
    public const string HumidityRange = "range_humidity";
    public const string TemperatureRange = "range_temperature";
    public const string Referential = "referential_orders";
    public const string SchemaPassRate = "schema_pass_rate";

    public const string Ratio = "ratio";
    public const string Seconds = "seconds";
    public const string Rows = "rows";

    public static IReadOnlyList<TableChecks> Build(QualitySchema schema, DataQualityOptions o, ValidationLimits limits, DateTime nowUtc, bool includeCatalogue)
    {
        var tables = new List<TableChecks> { Orders(schema, o, limits, nowUtc), PriceHistory(schema, o, limits, nowUtc), Weather(schema, o, nowUtc) };
        if (includeCatalogue)
        {
            tables.Add(Catalogue(schema, o, limits));
        }

        return tables;
    }

    private static TableChecks Orders(QualitySchema schema, DataQualityOptions o, ValidationLimits limits, DateTime now)
    {
        var c = schema.Orders;
        var q = new Statement(c.Table, c.IngestionTime, now, o.ScanWindow);
        var volume = q.Hours(o);
        var latest = q.Latest(c.IngestionTime, o.MaxOrderSilence, "the last order arrived");
        var nulls = q.Nulls(o.MaxNullRate, [c.Platform, c.OrderId, c.ProductId, c.MerchantId, c.ProductName, c.Currency, c.OrderStatus, c.HashKeyId],
            [c.Quantity, c.Price, c.OrderTimestamp, c.IngestionTime]);
        var duplicates = q.Duplicates(o.MaxDuplicateRate, [c.Platform, c.OrderId, c.ProductId, c.LineId]);
        var price = q.Share(PriceRange, o.MaxOutOfRangeRate, PriceOutside(c.Price, limits), PriceOutsideText(c.Price, limits));
        var quantity = q.Share(QuantityRange, o.MaxOutOfRangeRate, $"{c.Quantity} IS NOT NULL AND ({c.Quantity} <= 0 OR {c.Quantity} > {Number((decimal)limits.MaxQuantity)})",
            $"rows have {c.Quantity} <= 0 or > {Number((decimal)limits.MaxQuantity)} (Validation:MaxQuantity)");
        return q.Build([volume, latest, nulls, duplicates, price, quantity]);
    }

    private static TableChecks PriceHistory(QualitySchema schema, DataQualityOptions o, ValidationLimits limits, DateTime now)
    {
        var c = schema.PriceHistory;
        var orders = schema.Orders;
        var q = new Statement(c.Table, c.IngestionTime, now, o.ScanWindow);
        var volume = q.Hours(o);
        var nulls = q.Nulls(o.MaxNullRate, [c.Platform, c.ProductId, c.OrderId, c.Currency], [c.Price, c.ObservedAt, c.IngestionTime]);
        var duplicates = q.Duplicates(o.MaxDuplicateRate, [c.Platform, c.ProductId, c.OrderId]);
        var price = q.Share(PriceRange, o.MaxOutOfRangeRate, PriceOutside(c.Price, limits), PriceOutsideText(c.Price, limits));
        var orphans = q.CountWhere(Referential, o.MaxOrphanRate, "p",
            $"NOT EXISTS (SELECT 1 FROM {orders.Table} o WHERE o.{orders.Platform} = p.{c.Platform} AND o.{orders.OrderId} = p.{c.OrderId} AND o.{orders.ProductId} = p.{c.ProductId})",
            $"rows have no {orders.Table} row with the same ({c.Platform}, {c.OrderId}, {c.ProductId})");
        return q.Build([volume, nulls, duplicates, price, orphans]);
    }

    private static TableChecks Weather(QualitySchema schema, DataQualityOptions o, DateTime now)
    {
        var c = schema.WeatherLogs;
        var q = new Statement(c.Table, c.IngestionTime, now, o.ScanWindow);
        var volume = q.Hours(o);
        var latest = q.Latest(c.ObservedAt, o.MaxWeatherAge, "the newest observation is from");
        var nulls = q.Nulls(o.MaxNullRate, [c.City, c.Condition], [c.ObservedAt, c.Temperature, c.Humidity, c.WindSpeed, c.IsExtremeWeather, c.IngestionTime]);
        var duplicates = q.Duplicates(o.MaxDuplicateRate, [c.City, c.ObservedAt]);
        var humidity = q.Share(HumidityRange, o.MaxOutOfRangeRate, $"{c.Humidity} IS NOT NULL AND ({c.Humidity} < 0 OR {c.Humidity} > 100)", $"rows have {c.Humidity} outside 0-100 %");
        var temperature = q.Share(TemperatureRange, o.MaxOutOfRangeRate,
            $"{c.Temperature} IS NOT NULL AND ({c.Temperature} < {Number(o.MinTemperature)} OR {c.Temperature} > {Number(o.MaxTemperature)})",
            $"rows have {c.Temperature} outside {Number(o.MinTemperature)}..{Number(o.MaxTemperature)} °C (plausible for Bangladesh)");
        return q.Build([volume, latest, nulls, duplicates, humidity, temperature]);
    }

    private static TableChecks Catalogue(QualitySchema schema, DataQualityOptions o, ValidationLimits limits)
    {
        var c = schema.Catalogue;
        var q = new Statement(c.Table, arrival: null, default, default, noun: "products");
        var nulls = q.Nulls(o.MaxNullRate, [c.Platform, c.ProductId, c.Name, c.Currency], [c.LatestPrice, c.MinPrice, c.MaxPrice, c.TimesSeen, c.LatestAt]);
        var duplicates = q.Duplicates(o.MaxDuplicateRate, [c.Platform, c.ProductId]);
        var price = q.Share(PriceRange, o.MaxOutOfRangeRate, $"{c.MinPrice} <= 0 OR {c.MaxPrice} > {Number(limits.MaxPrice)} OR {c.LatestPrice} < {c.MinPrice} OR {c.LatestPrice} > {c.MaxPrice}",
            $"products have {c.MinPrice} <= 0, {c.MaxPrice} > {Number(limits.MaxPrice)} or {c.LatestPrice} outside [{c.MinPrice}, {c.MaxPrice}]");
        return q.Build([nulls, duplicates, price]);
    }

    private static string PriceOutside(string price, ValidationLimits limits) => $"{price} IS NOT NULL AND ({price} <= 0 OR {price} > {Number(limits.MaxPrice)})";

    private static string PriceOutsideText(string price, ValidationLimits limits) => $"rows have {price} <= 0 or > {Number(limits.MaxPrice)} (Validation:MaxPrice)";

    /// <summary>A source's share of records the validation gate accepted, over the records it read.</summary>
    public static QualityCheckResult PassRate(string source, long read, long deadLettered, DataQualityOptions o, string window)
    {
        if (read < o.SchemaMinRecords)
        {
            return new(SchemaPassRate, source, QualityStatus.Skipped, null, o.MinSchemaPassRate, ">=", Ratio,
                $"{read} records read {window}; judged from {o.SchemaMinRecords} (Stages:data-quality:SchemaMinRecords)");
        }

        var rate = (read - deadLettered) / (double)read;
        return new(SchemaPassRate, source, rate >= o.MinSchemaPassRate ? QualityStatus.Pass : QualityStatus.Fail, rate, o.MinSchemaPassRate, ">=", Ratio,
            $"{read - deadLettered} of {read} records passed validation {window} ({deadLettered} dead-lettered)");
    }

    private static QualityCheckResult Age(string table, DateTime? latest, DateTime now, TimeSpan max, string what)
    {
        if (latest is not { } at)
        {
            return new(Freshness, table, QualityStatus.Fail, null, max.TotalSeconds, "<=", Seconds, "no rows at all");
        }

        var age = Math.Max(0, (now - at).TotalSeconds);
        return new(Freshness, table, age <= max.TotalSeconds ? QualityStatus.Pass : QualityStatus.Fail, Math.Round(age, 1), max.TotalSeconds, "<=", Seconds,
            $"{what} {at.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC");
    }

    private static QualityCheckResult Rate(string check, string table, ProbeValue bad, ProbeValue rows, double max, string what, TimeSpan? window)
    {
        var n = (long)(rows.Number ?? 0);
        var b = (long)(bad.Number ?? 0);
        var rate = n == 0 ? 0 : b / (double)n;
        return new(check, table, rate <= max ? QualityStatus.Pass : QualityStatus.Fail, rate, max, "<=", Ratio, $"{b} of {n} {what}{Scope(window)}");
    }

    internal static string Scope(TimeSpan? window) => window is { } w ? $" (arrived in the last {Duration(w.TotalSeconds)})" : "";

    /// <summary>3 s, 12 min, 2.5 h, 3 d.</summary>
    public static string Duration(double seconds) => seconds switch
    {
        < 120 => $"{seconds:0.#} s",
        < 7200 => $"{seconds / 60:0.#} min",
        < 172_800 => $"{seconds / 3600:0.#} h",
        _ => $"{seconds / 86400:0.#} d",
    };

    private static string Number(decimal d) => d.ToString(CultureInfo.InvariantCulture);

    private static string Number(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    private static string Literal(DateTime t) => $"TIMESTAMP '{t.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)}'";

    /// <summary>
    /// Builds one table's SELECT: aggregates over the scan window's rows, scalar sub-queries for the rest. A table with
    /// no arrival column (the catalogue) is read whole, and is the optional one: it may not be in the warehouse at all.
    /// </summary>
    private sealed class Statement(string table, string? arrival, DateTime now, TimeSpan window, string noun = "rows")
    {
        private readonly List<Probe> _probes = [];
        private int? _rows;

        public TimeSpan? Window => arrival is null ? null : window;

        private string WindowFilter => arrival is null ? "" : $" WHERE {arrival} >= {Literal(now - window)}";

        /// <summary>The window's row count: one probe, however many checks divide by it.</summary>
        public int Rows() => _rows ??= Add("COUNT(*)", ProbeKind.Count);

        public int Where(string condition) => Add($"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)", ProbeKind.Count);

        /// <summary>A check on the share of the window's rows that meet <paramref name="condition"/>.</summary>
        public ICheck Share(string check, double max, string condition, string what) => new RateProbe(check, table, Where(condition), Rows(), max, what, Window);

        /// <summary>Freshness: the newest <paramref name="column"/> in the whole table may be at most <paramref name="max"/> old.</summary>
        public ICheck Latest(string column, TimeSpan max, string what) =>
            new AgeProbe(table, Scalar($"SELECT MAX({column}) FROM {table}", ProbeKind.Timestamp), now, max, what);

        public int Scalar(string query, ProbeKind kind) => Add($"({query})", kind);

        /// <summary>Rows of the window (as <paramref name="alias"/>) that meet a condition a correlated sub-query decides (Snowflake allows those only in WHERE).</summary>
        public ICheck CountWhere(string check, double max, string alias, string condition, string what) => new RateProbe(check, table,
            Scalar($"SELECT COUNT(*) FROM {table} {alias} WHERE {alias}.{arrival} >= {Literal(now - window)} AND {condition}", ProbeKind.Count), Rows(), max, what, Window);

        /// <summary>Rows beyond the first of each key (in the window).</summary>
        public ICheck Duplicates(double max, IReadOnlyList<string> key) => new RateProbe(DuplicateRate, table,
            Scalar($"SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM {table}{WindowFilter} GROUP BY {string.Join(", ", key)} HAVING COUNT(*) > 1) d", ProbeKind.Count),
            Rows(), max, $"{noun} repeat a ({string.Join(", ", key)}) key", Window);

        public ICheck Nulls(double max, IReadOnlyList<string> text, IReadOnlyList<string> other)
        {
            var conditions = text.Select(t => (Column: t, Condition: $"({t} IS NULL OR TRIM({t}) = '')"))
                .Concat(other.Select(t => (Column: t, Condition: $"{t} IS NULL"))).ToList();
            var any = Where(string.Join(" OR ", conditions.Select(c => c.Condition)));
            var columns = conditions.Select(c => (c.Column, Where(c.Condition))).ToList();
            return new NullProbes(table, Rows(), any, columns, max, Window);
        }

        /// <summary>Rows that arrived in the last hour and in the same hour on each of the <paramref name="days"/> days before.</summary>
        public ICheck Hours(DataQualityOptions o)
        {
            var column = arrival!;
            var days = o.BaselineDays;
            var hours = Enumerable.Range(0, days + 1).Select(d =>
            {
                var end = now.AddDays(-d);
                return Scalar($"SELECT COUNT(*) FROM {table} WHERE {column} >= {Literal(end.AddHours(-1))} AND {column} < {Literal(end)}", ProbeKind.Count);
            }).ToList();
            var first = Scalar($"SELECT MIN({column}) FROM {table}", ProbeKind.Timestamp);
            return new VolumeProbes(table, now, hours, first, o);
        }

        private int Add(string sql, ProbeKind kind)
        {
            _probes.Add(new Probe(sql, kind));
            return _probes.Count - 1;
        }

        public TableChecks Build(IReadOnlyList<ICheck> checks)
        {
            var select = string.Join(", ", _probes.Select((p, i) => $"{p.Sql} AS P{i}"));
            return new TableChecks(table, arrival is null, checks.Select(c => c.Name).ToList(), $"SELECT {select} FROM {table}{WindowFilter}", _probes.ToList(),
                v => checks.Select(c => c.Evaluate(v)).ToList());
        }
    }

    /// <summary>One check of a table: its name, and its verdict from the values the table's statement read.</summary>
    private interface ICheck
    {
        string Name { get; }

        QualityCheckResult Evaluate(IReadOnlyList<ProbeValue> v);
    }

    /// <summary>A count of bad rows over the window's rows, judged against a maximum share.</summary>
    private sealed record RateProbe(string Name, string Table, int Bad, int Rows, double Max, string What, TimeSpan? Window) : ICheck
    {
        public QualityCheckResult Evaluate(IReadOnlyList<ProbeValue> v) => Rate(Name, Table, v[Bad], v[Rows], Max, What, Window);
    }

    private sealed record AgeProbe(string Table, int Latest, DateTime Now, TimeSpan Max, string What) : ICheck
    {
        public string Name => Freshness;

        public QualityCheckResult Evaluate(IReadOnlyList<ProbeValue> v) => Age(Table, v[Latest].Time, Now, Max, What);
    }

    private sealed record NullProbes(string Table, int Rows, int Any, IReadOnlyList<(string Column, int Probe)> Columns, double Max, TimeSpan? Window) : ICheck
    {
        public string Name => NullRate;

        public QualityCheckResult Evaluate(IReadOnlyList<ProbeValue> v)
        {
            var worst = Columns.Select(c => (c.Column, Count: (long)(v[c.Probe].Number ?? 0))).Where(c => c.Count > 0).OrderByDescending(c => c.Count).ToList();
            var which = worst.Count == 0 ? "" : "; " + string.Join(", ", worst.Select(c => $"{c.Column} {c.Count}"));
            var result = Rate(NullRate, Table, v[Any], v[Rows], Max, "rows have a required column null or blank", Window);
            return result with { Detail = result.Detail + which };
        }
    }

    /// <summary>
    /// The last hour's rows against the same hour on each of the previous days: the baseline is the median of the days
    /// the table already existed; the last hour must bring <c>MinShareOfBaseline</c> of it and at least the configured floor.
    /// </summary>
    private sealed record VolumeProbes(string Table, DateTime Now, IReadOnlyList<int> Hours, int First, DataQualityOptions o) : ICheck
    {
        public string Name => Volume;

        public QualityCheckResult Evaluate(IReadOnlyList<ProbeValue> v)
        {
            var last = (long)(v[Hours[0]].Number ?? 0);
            var first = v[First].Time;
            var history = Hours.Skip(1).Select((probe, i) => (Start: Now.AddDays(-(i + 1)).AddHours(-1), Count: (long)(v[probe].Number ?? 0)))
                .Where(h => first is { } f && h.Start >= f).Select(h => h.Count).Order().ToList();
            var floor = o.MinRowsPerHour.GetValueOrDefault(Table);
            long threshold;
            string basis;
            if (history.Count == 0)
            {
                threshold = floor;
                basis = $"no baseline yet (the table is younger than a day); floor {floor} (Stages:data-quality:MinRowsPerHour:{Table})";
            }
            else
            {
                var median = history.Count % 2 == 1 ? history[history.Count / 2] : (history[history.Count / 2 - 1] + history[history.Count / 2]) / 2.0;
                threshold = Math.Max(floor, (long)Math.Ceiling(median * o.MinShareOfBaseline));
                basis = $"median of the same hour on {history.Count} earlier day(s) {median:0.#}, x {o.MinShareOfBaseline:0.##}; floor {floor}";
            }

            return new(Volume, Table, last >= threshold ? QualityStatus.Pass : QualityStatus.Fail, last, threshold, ">=", Rows, $"{last} rows arrived in the last hour; {basis}");
        }
    }
}
