namespace MillionX.Pipeline.Quality;

/// <summary>
/// <c>Stages:data-quality</c>: the thresholds of the data-quality checks (the <c>quality</c> command and the
/// <c>data-quality</c> stage read the same ones) and how often the stage runs them. Rates are fractions (0.02 = 2 %).
/// </summary>
public sealed class DataQualityOptions
{
    public const string Section = "Stages:data-quality";

    /// <summary>Time between the stage's runs.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait before the stage's first run, so the sinks have created their tables and written a batch.</summary>
    public TimeSpan StartDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Null, duplicate, range and referential checks read the rows that arrived in this window (bounded cost on Snowflake).</summary>
    public TimeSpan ScanWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Days of the same hour whose median is the volume baseline (0: only the configured minimum).</summary>
    [Range(0, 28)]
    public int BaselineDays { get; set; } = 7;

    /// <summary>The last hour must bring at least this share of the baseline's median.</summary>
    [Range(0.0, 1.0)]
    public double MinShareOfBaseline { get; set; } = 0.5;

    /// <summary>Rows per table the last hour must bring whatever the baseline (the floor while there is none yet).</summary>
    public Dictionary<string, long> MinRowsPerHour { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ORDERS"] = 1,
        ["PRICE_HISTORY"] = 1,
        ["WEATHER_LOGS"] = 1,
    };

    /// <summary>The newest weather observation may be at most this old (the plan's 2 h).</summary>
    public TimeSpan MaxWeatherAge { get; set; } = TimeSpan.FromHours(2);

    /// <summary>At most this long without an order arriving.</summary>
    public TimeSpan MaxOrderSilence { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>Share of rows with a required column null or blank.</summary>
    [Range(0.0, 1.0)]
    public double MaxNullRate { get; set; }

    /// <summary>Share of rows that repeat a natural key (Snowflake does not enforce primary keys).</summary>
    [Range(0.0, 1.0)]
    public double MaxDuplicateRate { get; set; }

    /// <summary>Share of rows with a value outside its range.</summary>
    [Range(0.0, 1.0)]
    public double MaxOutOfRangeRate { get; set; }

    /// <summary>Share of PRICE_HISTORY rows without their ORDERS row.</summary>
    [Range(0.0, 1.0)]
    public double MaxOrphanRate { get; set; }

    /// <summary>Plausible air temperature in Bangladesh, °C (records: about 1 °C and 45 °C).</summary>
    public double MinTemperature { get; set; } = -5;

    public double MaxTemperature { get; set; } = 50;

    /// <summary>Schema validation pass rate per source (the plan's > 98 %): records the gate accepted over records read.</summary>
    [Range(0.0, 1.0)]
    public double MinSchemaPassRate { get; set; } = 0.98;

    /// <summary>Records a source must have read in <see cref="SchemaWindow"/> before its pass rate is judged.</summary>
    [Range(1, long.MaxValue)]
    public long SchemaMinRecords { get; set; } = 50;

    public TimeSpan SchemaWindow { get; set; } = TimeSpan.FromHours(1);
}
