using MillionX.Pipeline.Warehouse.Snowflake;

namespace MillionX.Pipeline.Warehouse;

/// <summary>The <c>Warehouse</c> section: which warehouse the sink writes and how to reach it.</summary>
public sealed class WarehouseOptions : IValidatableObject
{
    public const string Section = "Warehouse";

    /// <summary><c>duckdb</c> (embedded default, a local file) or <c>snowflake</c> (SQL API v2).</summary>
    [RegularExpression("^(duckdb|snowflake)$", ErrorMessage = "Warehouse:Writer must be 'duckdb' or 'snowflake'.")]
    public string Writer { get; set; } = "duckdb";

    public DuckDbOptions DuckDb { get; set; } = new();

    public SnowflakeOptions Snowflake { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Writer == "snowflake" ? NestedValidation.Validate(Snowflake, "Warehouse:Snowflake").Concat(Snowflake.Validate(validationContext)) : NestedValidation.Validate(DuckDb, "Warehouse:DuckDb");
}

public sealed class DuckDbOptions
{
    /// <summary>The database file; relative paths are relative to the working directory.</summary>
    [Required]
    public string Path { get; set; } = "data/millionx.duckdb";

    /// <summary>
    /// DuckDB's <c>checkpoint_threshold</c> for the file: how much write-ahead log builds up before DuckDB writes it into
    /// the file. DuckDB's 16MB default rewrites the newest row group and the whole primary-key index every ~100,000
    /// order lines; 256MB does so about 16 times less often, at the cost of a longer log to replay after a crash.
    /// </summary>
    [RegularExpression(DuckDbFiles.CheckpointThresholdPattern, ErrorMessage = "Warehouse:DuckDb:CheckpointThreshold must be a size such as '256MB' or '1GiB'.")]
    public string CheckpointThreshold { get; set; } = "256MB";

    /// <summary>
    /// DuckDB's <c>threads</c> for the file's database; 0 leaves DuckDB's default (one per core). The sink's batches run
    /// on the thread that appends them either way; with more threads DuckDB's background workers compete with it (and
    /// with the pipeline's consumers) for the same cores.
    /// </summary>
    [Range(0, 256, ErrorMessage = "Warehouse:DuckDb:Threads must be between 0 (DuckDB's default) and 256.")]
    public int Threads { get; set; } = 1;
}
