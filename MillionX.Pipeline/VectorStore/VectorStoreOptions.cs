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

    [Range(1, 4096)]
    public int Dimensions { get; set; } = 384;

    public WeaviateOptions Weaviate { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Store == "weaviate" ? NestedValidation.Validate(Weaviate, WeaviateOptions.Section).Concat(Weaviate.Validate(validationContext)) : [];
}
