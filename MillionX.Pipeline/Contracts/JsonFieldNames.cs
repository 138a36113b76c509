namespace MillionX.Pipeline.Contracts;

/// <summary>
/// The property lookup of the one-pass readers (<see cref="SourceRecordReader"/>, <see cref="AnonymisedOrderReader"/>):
/// a name matched exactly against a table of UTF-8 names, each with its own bit, as the serializer and
/// <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/> match names.
/// </summary>
internal static class JsonFieldNames
{
    /// <summary>
    /// The next property's field, with the reader on its value: 0 at the end of the object, and -1 for a name the reader
    /// leaves to the full parser (not in <paramref name="names"/>, escaped, or already in <paramref name="seen"/>).
    /// <paramref name="next"/> is where in <paramref name="names"/> to look first: writers put the fields in the
    /// contract's order, so the name after the last one found is usually the one.
    /// </summary>
    public static int Next(ref Utf8JsonReader reader, (byte[] Name, int Field)[] names, ref int seen, ref int next)
    {
        if (!reader.Read() || reader.TokenType == JsonTokenType.EndObject)
        {
            return 0;
        }

        if (reader.ValueIsEscaped)
        {
            return -1;
        }

        var name = reader.ValueSpan;
        for (var i = 0; i < names.Length; i++)
        {
            var at = (next + i) % names.Length;
            var (candidate, field) = names[at];
            if (name.SequenceEqual(candidate))
            {
                if ((seen & field) != 0 || !reader.Read())
                {
                    return -1;
                }

                seen |= field;
                next = at + 1;
                return field;
            }
        }

        return -1;
    }

    /// <summary>The object ended and nothing follows it (trailing content is the full parser's error to report).</summary>
    public static bool AtEnd(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.EndObject && !reader.Read();
}
