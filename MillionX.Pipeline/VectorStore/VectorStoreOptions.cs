namespace MillionX.Pipeline.VectorStore;

/// <summary>The <c>VectorStore</c> section: where post vectors go.</summary>
public sealed class VectorStoreOptions : IValidatableObject
{
    public const string Section = "VectorStore";

    /// <summary><c>duckdb</c> (embedded default) or <c>weaviate</c> (REST).</summary>
    [RegularExpression("^(duckdb|weaviate)$", ErrorMessage = "VectorStore:Store must be 'duckdb' or 'weaviate'.")]
    public string Store { get; set; } = "duckdb";

    /// <summary>DuckDB file for the embedded store; empty means the embedded warehouse's (<c>Warehouse:DuckDb:Path</c>).</summary>
    public string DuckDbPath { get; set; } = "";

    /// <summary>
    /// DuckDB's <c>memory_limit</c> for the embedded store's own file (<see cref="DuckDbPath"/> set): how much memory
    /// DuckDB keeps for that database before it evicts blocks (already in the file) or spills to its temp directory.
    /// 100,000 FLOAT[384] vectors took a process to about 900 MiB with DuckDB's default (80 % of the machine's memory)
    /// and 550 MiB with 256MB, the indexed search as fast; a repeated full scan of every row is slower (blocks are read
    /// back from the file). Not applied when the store shares the warehouse's file: DuckDB has one limit per
    /// database, which would cap the warehouse too. Empty means DuckDB's default.
    /// </summary>
    [RegularExpression(DuckDbFiles.MemoryLimitPattern, ErrorMessage = "VectorStore:DuckDbMemoryLimit must be a size with a unit, such as 256MB or 1GiB (or empty for DuckDB's default).")]
    public string DuckDbMemoryLimit { get; set; } = "256MB";

    [Range(1, 4096)]
    public int Dimensions { get; set; } = 384;

    public WeaviateOptions Weaviate { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Store == "weaviate" ? NestedValidation.Validate(Weaviate, WeaviateOptions.Section).Concat(Weaviate.Validate(validationContext)) : [];
}
