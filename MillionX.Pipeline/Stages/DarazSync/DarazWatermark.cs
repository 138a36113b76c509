using System.Text.Encodings.Web;

namespace MillionX.Pipeline.Stages.DarazSync;

/// <summary>
/// How far the Daraz source got: the newest <c>updated_at</c> it published and which orders it published at exactly
/// that second. Daraz's <c>update_after</c> may include the boundary second, and several orders can share it, so the
/// ids tell the next run which boundary orders are old news and which are not. Pure.
/// </summary>
public sealed record DarazWatermark(DateTimeOffset UpdatedAt, IReadOnlySet<string> OrderIds)
{
    public static DarazWatermark Start(DateTimeOffset at) => new(at, new HashSet<string>(StringComparer.Ordinal));

    /// <summary>Whether an order in this state was already published.</summary>
    public bool Covers(string orderId, DateTimeOffset updatedAt) =>
        updatedAt < UpdatedAt || (updatedAt == UpdatedAt && OrderIds.Contains(orderId));

    /// <summary>The watermark after publishing <paramref name="orders"/> (a page sorted by updated_at, oldest first).</summary>
    public DarazWatermark Advance(IEnumerable<(string Id, DateTimeOffset UpdatedAt)> orders)
    {
        var at = UpdatedAt;
        var ids = new HashSet<string>(OrderIds, StringComparer.Ordinal);
        foreach (var (id, updated) in orders)
        {
            if (updated > at)
            {
                at = updated;
                ids.Clear();
            }

            if (updated == at)
            {
                ids.Add(id);
            }
        }

        return new DarazWatermark(at, ids);
    }

    /// <summary>The checkpoint value: <c>{"updated_at":"2026-11-20T10:00:00+06:00","order_ids":["1"]}</c>.</summary>
    public string Format()
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps the value readable for an operator ("+06:00", not "\u002B06:00"); it never reaches HTML.
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("updated_at", DarazClient.FormatTime(UpdatedAt));
            w.WriteStartArray("order_ids");
            foreach (var id in OrderIds.Order(StringComparer.Ordinal))
            {
                w.WriteStringValue(id);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// Reads a stored checkpoint: the JSON form, or a bare RFC 3339 timestamp (an operator rewinding the source by hand).
    /// </summary>
    public static DarazWatermark Parse(string value)
    {
        var text = value.Trim();
        if (!text.StartsWith('{'))
        {
            return Start(DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.None));
        }

        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        var at = DateTimeOffset.Parse(root.GetProperty("updated_at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.None);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (root.TryGetProperty("order_ids", out var list))
        {
            foreach (var id in list.EnumerateArray())
            {
                ids.Add(id.GetString()!);
            }
        }

        return new DarazWatermark(at, ids);
    }
}
