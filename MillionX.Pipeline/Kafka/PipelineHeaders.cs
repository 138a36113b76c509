using System.Buffers.Binary;
using System.Diagnostics;
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

    /// <summary>W3C Trace Context: the span that produced the record (<c>00-traceid-spanid-flags</c>).</summary>
    public const string TraceParent = "traceparent";

    /// <summary>W3C Trace Context vendor state, carried along when present.</summary>
    public const string TraceState = "tracestate";

    /// <summary>Replaces the record's trace context with <paramref name="activity"/>'s.</summary>
    public static void SetTraceContext(Headers headers, Activity activity)
    {
        headers.Remove(TraceParent);
        headers.Remove(TraceState);
        headers.Add(TraceParent, Encoding.ASCII.GetBytes(activity.Id!));
        if (activity.TraceStateString is { Length: > 0 } state)
        {
            headers.Add(TraceState, Encoding.ASCII.GetBytes(state));
        }
    }

    /// <summary>
    /// The headers a stage passes on: only the pipeline's own (ingested-at, well formed; the trace context, bounded),
    /// rebuilt rather than copied, so whatever else a producer put on a source record (a phone number in a header, a
    /// megabyte of junk) never reaches the sink topics.
    /// </summary>
    public static Headers Rebuild(Headers? input)
    {
        var output = new Headers();
        if (input is null)
        {
            return output;
        }

        // The last well-formed one: a malformed copy added later does not hide it.
        if (input.LastOrDefault(h => h.Key == IngestedAt && h.GetValueBytes()?.Length == 8) is { } at)
        {
            output.Add(IngestedAt, at.GetValueBytes());
        }

        if (TryGetTraceContext(input, out _))
        {
            output.Add(TraceParent, input.GetLastBytes(TraceParent));
            if (input.TryGetLastBytes(TraceState, out var state) && state.Length <= 512)
            {
                output.Add(TraceState, state);
            }
        }

        return output;
    }

    /// <summary>Reads the W3C trace context of a record; false when it has none or it is malformed.</summary>
    public static bool TryGetTraceContext(Headers? headers, out ActivityContext context)
    {
        context = default;
        if (headers is null || !headers.TryGetLastBytes(TraceParent, out var parent) || parent.Length is 0 or > 128)
        {
            return false;
        }

        var state = headers.TryGetLastBytes(TraceState, out var s) && s.Length <= 512 ? Encoding.ASCII.GetString(s) : null;
        return ActivityContext.TryParse(Encoding.ASCII.GetString(parent), state, isRemote: true, out context);
    }
}
