using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>
/// A stand-in OpenTelemetry collector: OTLP/HTTP on a loopback port, keeping every POST and decoding the protobuf
/// ExportTraceServiceRequest far enough to list the spans (trace id, span id, parent, name, kind) and resource attributes.
/// </summary>
public sealed class FakeOtlpCollector() : FakeServer(stopTimeout: TimeSpan.FromSeconds(5))
{
    public ConcurrentQueue<(string Path, string? ContentType, byte[] Body)> Requests { get; } = new();

    public async Task StartAsync()
    {
        await ListenAsync(async ctx =>
        {
            using var ms = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(ms);
            Requests.Enqueue((ctx.Request.Path.Value ?? "", ctx.Request.ContentType, ms.ToArray()));
            ctx.Response.ContentType = "application/x-protobuf";
            ctx.Response.StatusCode = StatusCodes.Status200OK;
        });
    }

    public List<OtlpSpan> Spans() => Requests.Where(r => r.Path == "/v1/traces").SelectMany(r => Decode(r.Body)).ToList();

    public List<string> ResourceStrings() =>
        Requests.Where(r => r.Path == "/v1/traces").SelectMany(r => Fields(r.Body).Where(f => f.Number == 1))
            .SelectMany(rs => Fields(rs.Bytes!).Where(f => f.Number == 1))
            .SelectMany(res => Fields(res.Bytes!).Where(f => f.Number == 1))
            .Select(kv => Fields(kv.Bytes!).ToList())
            .Select(kv => $"{Str(kv, 1)}={Str(Fields(kv.First(f => f.Number == 2).Bytes!).ToList(), 1)}")
            .ToList();

    /// <summary>ExportTraceServiceRequest: 1 resource_spans { 2 scope_spans { 2 spans { 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind } } }.</summary>
    public static IEnumerable<OtlpSpan> Decode(byte[] request) =>
        from rs in Fields(request) where rs.Number == 1
        from ss in Fields(rs.Bytes!) where ss.Number == 2
        from sp in Fields(ss.Bytes!) where sp.Number == 2
        let f = Fields(sp.Bytes!).ToList()
        select new OtlpSpan(
            Hex(f, 1), Hex(f, 2), Hex(f, 4), Str(f, 5),
            (int)(f.FirstOrDefault(x => x.Number == 6).Varint));

    private static string Hex(List<Field> f, int n) => f.FirstOrDefault(x => x.Number == n).Bytes is { Length: > 0 } b ? Convert.ToHexStringLower(b) : "";

    private static string Str(List<Field> f, int n) => f.FirstOrDefault(x => x.Number == n).Bytes is { } b ? System.Text.Encoding.UTF8.GetString(b) : "";

    public readonly record struct Field(int Number, ulong Varint, byte[]? Bytes);

    /// <summary>The top-level fields of one protobuf message (wire types 0, 1, 2, 5).</summary>
    public static IEnumerable<Field> Fields(byte[] message)
    {
        var i = 0;
        var list = new List<Field>();
        while (i < message.Length)
        {
            var key = ReadVarint(message, ref i);
            var number = (int)(key >> 3);
            switch ((int)(key & 7))
            {
                case 0:
                    list.Add(new Field(number, ReadVarint(message, ref i), null));
                    break;
                case 1:
                    list.Add(new Field(number, BitConverter.ToUInt64(message, i), null));
                    i += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref i);
                    list.Add(new Field(number, 0, message[i..(i + length)]));
                    i += length;
                    break;
                case 5:
                    list.Add(new Field(number, BitConverter.ToUInt32(message, i), null));
                    i += 4;
                    break;
                default:
                    throw new InvalidDataException($"Unsupported protobuf wire type {key & 7} at byte {i}.");
            }
        }

        return list;
    }

    private static ulong ReadVarint(byte[] b, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var x = b[i++];
            value |= (ulong)(x & 0x7f) << shift;
            if (x < 0x80)
            {
                return value;
            }
        }
    }
}

public sealed record OtlpSpan(string TraceId, string SpanId, string ParentSpanId, string Name, int Kind);
