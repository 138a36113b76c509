using System.Text.Json.Serialization;

namespace MillionX.Pipeline.Warehouse.Snowflake;

/// <summary>Body of POST /api/v2/statements.</summary>
public sealed record StatementRequest
{
    public required string Statement { get; init; }
    public int Timeout { get; init; }
    public string? Database { get; init; }
    public string? Schema { get; init; }
    public string? Warehouse { get; init; }
    public string? Role { get; init; }

    /// <summary>Positional bindings "1", "2", ... for the statement's <c>?</c> placeholders.</summary>
    public Dictionary<string, StatementBinding>? Bindings { get; init; }
}

public sealed record StatementBinding(string Type, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Value);

/// <summary>The parts of the SQL API's ResultSet / QueryStatus / QueryFailureStatus answers the client reads.</summary>
public sealed record StatementResponse
{
    public string? Code { get; init; }
    public string? Message { get; init; }
    public string? SqlState { get; init; }
    public string? StatementHandle { get; init; }
    public string? StatementStatusUrl { get; init; }
    public List<List<string?>>? Data { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StatementRequest))]
[JsonSerializable(typeof(StatementResponse))]
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(string))]
public sealed partial class SnowflakeJson : JsonSerializerContext;
