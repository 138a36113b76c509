using System.Buffers;
using System.Runtime.InteropServices;

namespace MillionX.Pipeline.VectorStore;

/// <summary>
/// The <c>enriched.embeddings</c> message: a post's properties and its vector as base64 of little-endian float32
/// (exact, and half the bytes of JSON numbers). Reading is strict: a message that is not a complete, finite vector of
/// the configured dimensions is rejected with a reason, never written half-right.
/// </summary>
public static class EmbeddedVectorCodec
{
    public static byte[] Serialize(VectorRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("post_id", record.PostId);
            w.WriteString("platform", record.Platform);
            w.WriteString("content", record.Content);
            w.WriteString("enriched_content", record.EnrichedContent);
            w.WriteString("timestamp", record.Timestamp);
            w.WriteNumber("engagement_count", record.EngagementCount);
            WriteStrings(w, "hashtags", record.Hashtags);
            WriteStrings(w, "matched_product_ids", record.MatchedProductIds);
            w.WriteNumber("dimensions", record.Vector.Length);
            w.WriteBase64String("vector", MemoryMarshal.AsBytes(record.Vector.AsSpan()));
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads one message; throws <see cref="RecordRejectedException"/> naming every problem.</summary>
    public static VectorRecord Parse(ReadOnlySpan<byte> value, int dimensions)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(value.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException ex)
        {
            throw new RecordRejectedException([new ValidationError("$", ReasonCodes.MalformedJson, "not an embedded vector: " + ex.Message.Split('.')[0])]);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new RecordRejectedException([new ValidationError("$", ReasonCodes.NotAnObject, "an embedded vector is a JSON object")]);
            }

            var errors = new List<ValidationError>();
            var postId = Text(root, "post_id", errors);
            var platform = Text(root, "platform", errors);
            var content = Text(root, "content", errors);
            var enriched = Text(root, "enriched_content", errors);
            DateTimeOffset timestamp = default;
            if (!root.TryGetProperty("timestamp", out var ts) || ts.ValueKind != JsonValueKind.String || !ts.TryGetDateTimeOffset(out timestamp))
            {
                errors.Add(new("$.timestamp", ReasonCodes.InvalidTimestamp, "'timestamp' must be an ISO 8601 date and time"));
            }

            long engagement = 0;
            if (!root.TryGetProperty("engagement_count", out var e) || e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out engagement) || engagement < 0)
            {
                errors.Add(new("$.engagement_count", ReasonCodes.OutOfRange, "'engagement_count' must be an integer >= 0"));
            }

            var vector = ReadVector(root, dimensions, errors);
            if (errors.Count > 0)
            {
                throw new RecordRejectedException(errors);
            }

            return new VectorRecord(postId!, platform!, content!, enriched!, timestamp, engagement,
                Strings(root, "hashtags"), Strings(root, "matched_product_ids"), vector!);
        }
    }

    private static float[]? ReadVector(JsonElement root, int dimensions, List<ValidationError> errors)
    {
        if (!root.TryGetProperty("vector", out var v) || v.ValueKind != JsonValueKind.String || !v.TryGetBytesFromBase64(out var bytes))
        {
            errors.Add(new("$.vector", ReasonCodes.WrongType, "'vector' must be base64 of little-endian float32 values"));
            return null;
        }

        if (bytes.Length != dimensions * sizeof(float))
        {
            errors.Add(new("$.vector", ReasonCodes.InvalidValue, $"'vector' has {bytes.Length / (double)sizeof(float):0.##} dimensions; the store expects {dimensions}"));
            return null;
        }

        var vector = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        if (!vector.All(float.IsFinite))
        {
            errors.Add(new("$.vector", ReasonCodes.NonFinite, "'vector' holds NaN or an infinity"));
            return null;
        }

        return vector;
    }

    private static string? Text(JsonElement root, string name, List<ValidationError> errors)
    {
        if (root.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String && p.GetString() is { Length: > 0 } s && !string.IsNullOrWhiteSpace(s))
        {
            return s;
        }

        errors.Add(new("$." + name, ReasonCodes.MissingField, $"'{name}' is required"));
        return null;
    }

    private static IReadOnlyList<string> Strings(JsonElement root, string name) =>
        root.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
            : [];

    private static void WriteStrings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }
}
