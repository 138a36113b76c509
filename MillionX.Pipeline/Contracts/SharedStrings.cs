namespace MillionX.Pipeline.Contracts;

/// <summary>
/// One string object for a JSON string value that repeats from record to record (an order's platform, currency,
/// status, key id, merchant, product id and name), instead of a new one each time it is read. The warehouse sink holds
/// up to two batches of orders in flight, and each gen0 collection marks and copies every object they reference: seven
/// strings fewer per order is less of that work on the path that writes the batches.
/// A fixed table of slots, each picked by the value's hash: memory stays bounded whatever the data (a catalogue larger
/// than the table only misses more often), and a miss costs what reading the string costs anyway. A hit is checked by
/// <see cref="Utf8JsonReader.ValueTextEquals(string)"/>, so a shared string is always the value's own text. Safe for
/// any number of threads: a slot holds an immutable string and is replaced whole.
/// </summary>
internal static class SharedStrings
{
    /// <summary>Slots in the table (a power of two). About 8,000 distinct values stay shared; memory at most a few MiB.</summary>
    internal const int Slots = 8192;

    /// <summary>Longer values (a product name past this) are read as they are: long ones rarely repeat and cost more to compare.</summary>
    internal const int MaxBytes = 256;

    private static readonly string?[] Table = new string?[Slots];

    /// <summary>The slot a value's (raw, still escaped) bytes take.</summary>
    internal static int SlotOf(ReadOnlySpan<byte> utf8)
    {
        var hash = new HashCode();
        hash.AddBytes(utf8);
        return hash.ToHashCode() & (Slots - 1);
    }

    /// <summary>The current string value as <see cref="Utf8JsonReader.GetString"/> reads it, shared with earlier reads of the same text.</summary>
    public static string Read(ref Utf8JsonReader reader)
    {
        if (reader.HasValueSequence || reader.ValueSpan.Length > MaxBytes)
        {
            return reader.GetString()!;
        }

        ref var slot = ref Table[SlotOf(reader.ValueSpan)];
        var held = Volatile.Read(ref slot);
        if (held is not null && reader.ValueTextEquals(held))
        {
            return held;
        }

        var text = reader.GetString()!;
        Volatile.Write(ref slot, text);
        return text;
    }
}
