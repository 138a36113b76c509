using System.Text.Json.Serialization;

namespace MillionX.Pipeline.VectorStore;

/// <summary>A class as POST /v1/schema takes it and GET /v1/schema lists it (only the fields this client uses).</summary>
internal sealed record WeaviateClass
{
    public required string Class { get; init; }
    public string? Description { get; init; }
    public string? Vectorizer { get; init; }
    public WeaviateVectorIndexConfig? VectorIndexConfig { get; init; }
    public List<WeaviateProperty>? Properties { get; init; }
}

internal sealed record WeaviateVectorIndexConfig(string? Distance);

internal sealed record WeaviateProperty
{
    public required string Name { get; init; }
    public required List<string> DataType { get; init; }
    public string? Tokenization { get; init; }
}

internal sealed record WeaviateSchema(List<WeaviateClass>? Classes);

/// <summary>Body of POST /v1/batch/objects.</summary>
internal sealed record BatchRequest(List<BatchObject> Objects);

internal sealed record BatchObject(string Class, Guid Id, SocialPostProperties Properties, float[] Vector);

/// <summary>The plan's SocialPost properties, named as in the Weaviate class.</summary>
internal sealed record SocialPostProperties(
    [property: JsonPropertyName("post_id")] string PostId,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("enriched_content")] string EnrichedContent,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp,
    [property: JsonPropertyName("engagement")] long Engagement,
    [property: JsonPropertyName("hashtags")] IReadOnlyList<string> Hashtags,
    [property: JsonPropertyName("matched_product_ids")] IReadOnlyList<string> MatchedProductIds);

/// <summary>One element of the batch answer: the object echoed with <c>result.errors.error[].message</c> when it was not written.</summary>
internal sealed record BatchObjectResult(Guid? Id, BatchResultStatus? Result);

internal sealed record BatchResultStatus(WeaviateErrors? Errors);

/// <summary>Weaviate's error body: <c>{"error":[{"message":"..."}]}</c>.</summary>
internal sealed record WeaviateErrors(List<WeaviateMessage>? Error);

internal sealed record WeaviateMessage(string? Message);

internal sealed record GraphQlRequest(string Query);

internal sealed record GetResponse(GetData? Data, List<WeaviateMessage>? Errors);

internal sealed record GetData([property: JsonPropertyName("Get")] Dictionary<string, List<GetHit>?>? Get);

internal sealed record GetHit(
    [property: JsonPropertyName("post_id")] string? PostId,
    [property: JsonPropertyName("platform")] string? Platform,
    [property: JsonPropertyName("content")] string? Content,
    [property: JsonPropertyName("engagement")] long? Engagement,
    [property: JsonPropertyName("timestamp")] DateTimeOffset? Timestamp,
    [property: JsonPropertyName("_additional")] GetAdditional? Additional);

internal sealed record GetAdditional(string? Id, double? Distance, double? Certainty);

internal sealed record AggregateResponse(AggregateData? Data, List<WeaviateMessage>? Errors);

internal sealed record AggregateData([property: JsonPropertyName("Aggregate")] Dictionary<string, List<AggregateGroup>?>? Aggregate);

internal sealed record AggregateGroup(AggregateMeta? Meta);

internal sealed record AggregateMeta(long? Count);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WeaviateClass))]
[JsonSerializable(typeof(WeaviateSchema))]
[JsonSerializable(typeof(BatchRequest))]
[JsonSerializable(typeof(List<BatchObjectResult>))]
[JsonSerializable(typeof(WeaviateErrors))]
[JsonSerializable(typeof(GraphQlRequest))]
[JsonSerializable(typeof(GetResponse))]
[JsonSerializable(typeof(AggregateResponse))]
[JsonSerializable(typeof(string))]
internal sealed partial class WeaviateJson : JsonSerializerContext;
