using System.Text.Json.Serialization;

namespace MillionX.Pipeline.Embedding;

/// <summary>
/// <c>{source sha256}.int8.json</c> beside the cached int8 model: what the gate decided, so a restart loads the int8
/// file (checked against <see cref="Int8Sha256"/>) or goes straight to fp32 without quantising and gating again.
/// </summary>
public sealed record QuantisationRecord(string SourceSha256, string Int8Sha256, string Quantizer, bool Passed, string Detail, DateTimeOffset CreatedUtc)
{
    public static QuantisationRecord? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), QuantisationRecordJson.Default.QuantisationRecord) : null;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            // A damaged record only costs a new quantisation.
            return null;
        }
    }

    public void Write(string path)
    {
        var temp = path + $".{Guid.NewGuid():N}.part";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, QuantisationRecordJson.Default.QuantisationRecord));
        File.Move(temp, path, overwrite: true);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(QuantisationRecord))]
internal sealed partial class QuantisationRecordJson : JsonSerializerContext;
