namespace MillionX.Pipeline.Contracts;

/// <summary>Reads typed fields out of a JSON object, recording every violated rule instead of stopping at the first.</summary>
internal sealed class FieldReader(JsonElement obj, ValidationLimits limits, DateTimeOffset now)
{
    public List<ValidationError> Errors { get; } = [];

    public ValidationLimits Limits => limits;

    private static string PathOf(string name) => "$." + name;

    private void Add(string name, string code, string message) => Errors.Add(new(PathOf(name), code, message));

    private bool TryGet(string name, bool required, out JsonElement value)
    {
        if (!obj.TryGetProperty(name, out value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                Add(name, ReasonCodes.MissingField, $"'{name}' is required");
            }

            return false;
        }

        return true;
    }

    /// <summary>
    /// A present JSON number; anything else is recorded as a wrong type, or as non-finite when
    /// <paramref name="nonFiniteText"/> and it is a "NaN"/"Infinity" string (fields that take fractions).
    /// </summary>
    private bool TryGetNumber(string name, bool required, bool nonFiniteText, out JsonElement el)
    {
        if (!TryGet(name, required, out el))
        {
            return false;
        }

        if (el.ValueKind == JsonValueKind.Number)
        {
            return true;
        }

        var nanText = nonFiniteText && el.ValueKind == JsonValueKind.String && IsNonFiniteText(TextOrNull(el));
        Add(name, nanText ? ReasonCodes.NonFinite : ReasonCodes.WrongType,
            nanText ? $"'{name}' must be a finite number" : $"'{name}' must be a number, got {Describe(el.ValueKind)}");
        return false;
    }

    public string? String(string name, int minLength, int maxLength, bool required = true, bool singleLine = true)
    {
        if (!TryGet(name, required, out var el))
        {
            return null;
        }

        if (el.ValueKind != JsonValueKind.String)
        {
            Add(name, ReasonCodes.WrongType, $"'{name}' must be a string, got {Describe(el.ValueKind)}");
            return null;
        }

        if (!TryText(name, el, out var s))
        {
            return null;
        }

        switch (CheckText(ref s, minLength, maxLength, singleLine))
        {
            case TextVerdict.Ok:
                return s;
            case TextVerdict.InvalidChars:
                Add(name, ReasonCodes.InvalidChars, $"'{name}' contains control or invisible formatting characters");
                return null;
            case TextVerdict.TooShort:
                Add(name, minLength <= 1 ? ReasonCodes.MissingField : ReasonCodes.TooShort,
                    minLength <= 1 ? $"'{name}' must not be blank" : $"'{name}' must have at least {minLength} characters");
                return null;
            default:
                Add(name, ReasonCodes.TooLong, $"'{name}' has {s.Length} characters, the limit is {maxLength}");
                return null;
        }
    }

    /// <summary>What <see cref="CheckText"/> found.</summary>
    internal enum TextVerdict
    {
        Ok,
        InvalidChars,
        TooShort,
        TooLong,
    }

    /// <summary>
    /// The rules of a text field, on its value as read: free text loses invisible characters, every text is trimmed, and
    /// then it must hold no forbidden character and have <paramref name="minLength"/> to <paramref name="maxLength"/>
    /// characters. <paramref name="s"/> becomes the value as stored. Shared with <see cref="SourceRecordReader"/>.
    /// </summary>
    internal static TextVerdict CheckText(ref string s, int minLength, int maxLength, bool singleLine)
    {
        if (!singleLine)
        {
            s = StripInvisible(s);
        }

        s = s.Trim();
        return HasForbiddenChars(s, singleLine) ? TextVerdict.InvalidChars
            : s.Length < minLength ? TextVerdict.TooShort
            : s.Length > maxLength ? TextVerdict.TooLong
            : TextVerdict.Ok;
    }

    /// <summary>One of a fixed set of lowercase values (case-insensitive input).</summary>
    public string? Enum(string name, IReadOnlyCollection<string> allowed, bool required = true)
    {
        var s = String(name, 1, MaxEnumLength, required);
        if (s is null)
        {
            return null;
        }

        if (EnumValue(s, allowed) is not { } value)
        {
            Add(name, ReasonCodes.InvalidValue, $"'{name}' must be one of {string.Join(", ", allowed)}");
            return null;
        }

        return value;
    }

    /// <summary>The value of an enumerated field (lower case), or null when <paramref name="s"/> is none of <paramref name="allowed"/>.</summary>
    internal static string? EnumValue(string s, IReadOnlyCollection<string> allowed)
    {
        var lower = s.ToLowerInvariant();
        return allowed.Contains(lower) ? lower : null;
    }

    /// <summary>The longest value an enumerated field may have before it is compared.</summary>
    internal const int MaxEnumLength = 64;

    public long? Integer(string name, long min, long max, bool required = true)
    {
        if (!TryGetNumber(name, required, nonFiniteText: false, out var el))
        {
            return null;
        }

        if (!el.TryGetInt64(out var v))
        {
            var isFraction = el.TryGetDouble(out var d) && double.IsFinite(d) && Math.Abs(d) < 9.2e18;
            Add(name, isFraction ? ReasonCodes.WrongType : ReasonCodes.OutOfRange,
                isFraction ? $"'{name}' must be a whole number" : $"'{name}' is outside {min}..{max}");
            return null;
        }

        if (v < min || v > max)
        {
            Add(name, ReasonCodes.OutOfRange, $"'{name}' is {v}, allowed {min}..{max}");
            return null;
        }

        return v;
    }

    public double? Number(string name, double min, double max, bool required = true)
    {
        if (!TryGetNumber(name, required, nonFiniteText: true, out var el))
        {
            return null;
        }

        if (!el.TryGetDouble(out var v) || !double.IsFinite(v))
        {
            Add(name, ReasonCodes.NonFinite, $"'{name}' must be a finite number");
            return null;
        }

        if (v < min || v > max)
        {
            Add(name, ReasonCodes.OutOfRange, $"'{name}' is {v.ToString(CultureInfo.InvariantCulture)}, allowed {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        return v;
    }

    public decimal? Decimal(string name, decimal exclusiveMin, decimal max)
    {
        if (!TryGetNumber(name, true, nonFiniteText: true, out var el))
        {
            return null;
        }

        if (!el.TryGetDecimal(out var v))
        {
            Add(name, ReasonCodes.OutOfRange, $"'{name}' is outside the representable range");
            return null;
        }

        if (v <= exclusiveMin || v > max)
        {
            Add(name, ReasonCodes.OutOfRange, $"'{name}' is {v.ToString(CultureInfo.InvariantCulture)}, must be > {exclusiveMin.ToString(CultureInfo.InvariantCulture)} and <= {max.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        return v;
    }

    public bool? Boolean(string name, bool required = true)
    {
        if (!TryGet(name, required, out var el))
        {
            return null;
        }

        if (el.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            Add(name, ReasonCodes.WrongType, $"'{name}' must be true or false, got {Describe(el.ValueKind)}");
            return null;
        }

        return el.GetBoolean();
    }

    /// <summary>An RFC 3339 string with a UTC offset, or Unix epoch seconds; within sane bounds.</summary>
    public DateTimeOffset? Timestamp(string name, bool required = true)
    {
        if (!TryGet(name, required, out var el))
        {
            return null;
        }

        DateTimeOffset ts;
        if (el.ValueKind == JsonValueKind.Number)
        {
            if (!el.TryGetInt64(out var secs) || !TryEpochSeconds(secs, out ts))
            {
                Add(name, ReasonCodes.InvalidTimestamp, $"'{name}' must be whole Unix epoch seconds or an RFC 3339 string");
                return null;
            }
        }
        else if (el.ValueKind == JsonValueKind.String)
        {
            if (!TryText(name, el, out var s))
            {
                return null;
            }

            if (!TryTimestampText(s, out ts))
            {
                Add(name, ReasonCodes.InvalidTimestamp, $"'{name}' must be an RFC 3339 timestamp with a UTC offset, e.g. 2026-11-24T10:00:00Z");
                return null;
            }
        }
        else
        {
            Add(name, ReasonCodes.WrongType, $"'{name}' must be a string or number, got {Describe(el.ValueKind)}");
            return null;
        }

        if (!InWindow(ts, limits, now))
        {
            Add(name, ReasonCodes.TimestampOutOfRange,
                $"'{name}' {ts:O} is outside {limits.EarliestTimestamp:yyyy-MM-dd} .. now + {limits.MaxClockSkew.TotalMinutes:0} min");
            return null;
        }

        return ts.ToUniversalTime();
    }

    /// <summary>Whole Unix epoch seconds within what <see cref="DateTimeOffset"/> holds.</summary>
    internal static bool TryEpochSeconds(long secs, out DateTimeOffset ts)
    {
        var ok = secs is >= -62135596800 and <= 253402300799;
        ts = ok ? DateTimeOffset.FromUnixTimeSeconds(secs) : default;
        return ok;
    }

    /// <summary>An RFC 3339 timestamp with an explicit UTC offset.</summary>
    internal static bool TryTimestampText(string s, out DateTimeOffset ts) =>
        TryPlainRfc3339(s, out ts) || (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out ts) && HasExplicitOffset(s));

    /// <summary>
    /// The form sources write (<c>2026-11-24T09:00:00Z</c>, <c>2026-11-24T15:00:00+06:00</c>: no fraction, upper-case
    /// T and Z) read directly, when every part is in range; anything else, and any part out of range, is left to
    /// <see cref="DateTimeOffset.TryParse(string, IFormatProvider, DateTimeStyles, out DateTimeOffset)"/>, which gives
    /// the same instant and offset for this form.
    /// </summary>
    private static bool TryPlainRfc3339(string s, out DateTimeOffset ts)
    {
        ts = default;
        if (s.Length is not (20 or 25) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':'
            || !TwoDigits(s, 0, out var century) || !TwoDigits(s, 2, out var yy) || !TwoDigits(s, 5, out var month) || !TwoDigits(s, 8, out var day)
            || !TwoDigits(s, 11, out var hour) || !TwoDigits(s, 14, out var minute) || !TwoDigits(s, 17, out var second))
        {
            return false;
        }

        var offset = 0;
        if (s.Length == 20)
        {
            if (s[19] != 'Z')
            {
                return false;
            }
        }
        else if (s[19] is not ('+' or '-') || s[22] != ':' || !TwoDigits(s, 20, out var oh) || !TwoDigits(s, 23, out var om) || oh > 13 || om > 59)
        {
            return false;
        }
        else
        {
            offset = (s[19] == '-' ? -1 : 1) * ((oh * 60) + om);
        }

        var year = (century * 100) + yy;
        if (year is < 2 or > 9998 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        ts = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.FromMinutes(offset));
        return true;
    }

    private static bool TwoDigits(string s, int at, out int value)
    {
        var (a, b) = (s[at] - '0', s[at + 1] - '0');
        value = (a * 10) + b;
        return (uint)a <= 9 && (uint)b <= 9;
    }

    /// <summary>Not before the sane start, and not further ahead of <paramref name="now"/> than the allowed clock skew.</summary>
    internal static bool InWindow(DateTimeOffset ts, ValidationLimits limits, DateTimeOffset now) =>
        ts >= limits.EarliestTimestamp && ts <= now + limits.MaxClockSkew;

    public IReadOnlyList<string> StringList(string name)
    {
        if (!TryGet(name, false, out var el))
        {
            return [];
        }

        if (el.ValueKind != JsonValueKind.Array)
        {
            Add(name, ReasonCodes.WrongType, $"'{name}' must be an array of strings, got {Describe(el.ValueKind)}");
            return [];
        }

        var count = el.GetArrayLength();
        if (count > limits.MaxTagCount)
        {
            Add(name, ReasonCodes.TooMany, $"'{name}' has {count} items, the limit is {limits.MaxTagCount}");
            return [];
        }

        var list = new List<string>(count);
        var i = 0;
        foreach (var item in el.EnumerateArray())
        {
            var path = $"{name}[{i++}]";
            if (item.ValueKind != JsonValueKind.String)
            {
                Add(path, ReasonCodes.WrongType, $"'{path}' must be a string, got {Describe(item.ValueKind)}");
                continue;
            }

            if (!TryText(path, item, out var s))
            {
                continue;
            }

            switch (CheckTag(ref s, limits.MaxTagLength))
            {
                case TextVerdict.Ok:
                    list.Add(s);
                    break;
                case TextVerdict.TooShort:
                    // Blank items are dropped.
                    break;
                default:
                    Add(path, s.Length > limits.MaxTagLength ? ReasonCodes.TooLong : ReasonCodes.InvalidChars,
                        $"'{path}' must be at most {limits.MaxTagLength} printable characters");
                    break;
            }
        }

        return list;
    }

    /// <summary>
    /// The rules of one item of a tag list, on its value as read: trimmed, a blank item is dropped (<see
    /// cref="TextVerdict.TooShort"/>), and a kept one has at most <paramref name="maxLength"/> characters and no forbidden
    /// character. Shared with <see cref="SourceRecordReader"/>.
    /// </summary>
    internal static TextVerdict CheckTag(ref string s, int maxLength)
    {
        s = s.Trim();
        return s.Length == 0 ? TextVerdict.TooShort
            : s.Length > maxLength ? TextVerdict.TooLong
            : HasForbiddenChars(s, singleLine: true) ? TextVerdict.InvalidChars
            : TextVerdict.Ok;
    }

    /// <summary>Free text keeps ZWJ/ZWNJ (Bengali script and emoji need them) but loses zero-width spaces and BOMs.</summary>
    private static string StripInvisible(string s) =>
        s.AsSpan().IndexOfAny('\u200B', '\u2060', '\uFEFF') < 0 ? s : s.Replace("\u200B", "", StringComparison.Ordinal).Replace("\u2060", "", StringComparison.Ordinal).Replace("\uFEFF", "", StringComparison.Ordinal);

    private static bool HasExplicitOffset(string s)
    {
        // The 'T' must be the separator after a yyyy-MM-dd date; a 't' in a day or month name ("Sat 2026-11-21 09:00")
        // would otherwise make the date's dashes look like an offset, and the time would be read in local time.
        if (s.Length < 11 || s[10] is not ('T' or 't') || !IsFullDate(s.AsSpan(0, 10)))
        {
            return false;
        }

        var time = s.AsSpan(11);
        return time.EndsWith("Z", StringComparison.OrdinalIgnoreCase) || time.LastIndexOfAny('+', '-') > 0;
    }

    private static bool IsFullDate(ReadOnlySpan<char> d) =>
        d.Length == 10 && d[4] == '-' && d[7] == '-'
        && char.IsAsciiDigit(d[0]) && char.IsAsciiDigit(d[1]) && char.IsAsciiDigit(d[2]) && char.IsAsciiDigit(d[3])
        && char.IsAsciiDigit(d[5]) && char.IsAsciiDigit(d[6]) && char.IsAsciiDigit(d[8]) && char.IsAsciiDigit(d[9]);

    /// <summary>
    /// JSON escapes can spell an unpaired UTF-16 surrogate (<c>\ud800</c>) in valid UTF-8; such a value is not text and
    /// System.Text.Json refuses to materialise it (InvalidOperationException). That is a bad record, not a crashed stage.
    /// </summary>
    private bool TryText(string name, JsonElement el, out string text)
    {
        if (TextOrNull(el) is { } s)
        {
            text = s;
            return true;
        }

        text = "";
        Add(name, ReasonCodes.InvalidValue, $"'{name}' contains an unpaired UTF-16 surrogate escape, which is not text");
        return false;
    }

    private static string? TextOrNull(JsonElement el)
    {
        try
        {
            return el.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static bool IsNonFiniteText(string? s) =>
        s is not null && (s.Equals("NaN", StringComparison.OrdinalIgnoreCase) || s.Contains("Infinity", StringComparison.OrdinalIgnoreCase));

    /// <summary>Control characters (but tab/newline in free text), zero-width and bidi-override characters.</summary>
    internal static bool HasForbiddenChars(string s, bool singleLine)
    {
        foreach (var c in s)
        {
            if (char.IsControl(c))
            {
                if (singleLine || (c != '\n' && c != '\r' && c != '\t'))
                {
                    return true;
                }
            }
            else if (c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'))
            {
                // Bidi overrides let a record display differently from what it is.
                return true;
            }
            else if (singleLine && c is '\u200B' or '\u2060' or '\uFEFF')
            {
                // Invisible characters make two identifiers look equal while they differ.
                return true;
            }
        }

        return false;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
