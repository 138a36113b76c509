using System.Buffers.Binary;
using Confluent.Kafka;

namespace MillionX.Pipeline.Kafka;

/// <summary>Headers that travel with a record through every stage.</summary>
public static class PipelineHeaders
{
    /// <summary>When the record entered the pipeline (Unix ms, 8 bytes big-endian): the start of end-to-end latency.</summary>
    public const string IngestedAt = "x-millionx-ingested-at";

    public static Headers WithIngestedAt(DateTimeOffset at)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, at.ToUnixTimeMilliseconds());
        return new Headers { { IngestedAt, bytes } };
    }

    public static DateTimeOffset? IngestedAtOf(Headers? headers) =>
        headers is not null && headers.TryGetLastBytes(IngestedAt, out var b) && b.Length == 8
            ? DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(b))
            : null;
}
