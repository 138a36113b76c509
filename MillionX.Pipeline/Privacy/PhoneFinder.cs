using System.Buffers;

namespace MillionX.Pipeline.Privacy;

/// <summary>A Bangladeshi mobile number found in a <see cref="FoldedText"/>: [Start, End) and its ten national digits.</summary>
internal readonly record struct PhoneMatch(int Start, int End, long National)
{
    /// <summary>The form every variant hashes as: 880 and the ten national digits (8801XXXXXXXXX).</summary>
    public string Canonical => "880" + National.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The Bangladeshi mobile grammar over folded text (ASCII digits): an optional +880 / 880 / 0088 / +88 0 / +8800 /
/// 8800 / +0 prefix, the national 0, the operator 1[3-9] and eight more digits. Digits may be split into groups by
/// runs of up to five separators; the number must start and end at a group boundary, so it is never cut out of a
/// longer digit run (order ids, card and tracking numbers). The national 0 may be missing only where the words just
/// before say "phone" (call, mobile, whatsapp, bkash, ফোন, নম্বর, 📞...), or in a field that holds a phone.
/// Pure and allocation-free.
/// </summary>
internal static class PhoneFinder
{
    private const int MaxDigits = 16;
    private const int MaxSeparators = 5;
    private const byte GroupEnd = 1;
    private const byte WeakBefore = 2;

    // Not IndexOfAnyInRange: measured, it allocates 96 bytes a call here.
    private static readonly SearchValues<char> DigitsAndOs = SearchValues.Create("0123456789Oo");

    /// <summary>Finds the next number at or after <paramref name="pos"/> and moves <paramref name="pos"/> past it.</summary>
    public static bool Next(ReadOnlySpan<char> s, ref int pos, bool isPhoneField, out PhoneMatch match)
    {
        Span<int> at = stackalloc int[MaxDigits];
        Span<byte> digits = stackalloc byte[MaxDigits];
        Span<byte> flags = stackalloc byte[MaxDigits];
        var i = pos;
        while (i < s.Length)
        {
            var next = s[i..].IndexOfAny(DigitsAndOs);
            if (next < 0)
            {
                break;
            }

            i += next;
            if (DigitAt(s, i) < 0)
            {
                i++;
                continue;
            }

            var count = Read(s, i, at, digits, flags);
            var (first, end, national) = Grammar(digits[..count], flags[..count]);
            if (end > 0 && (first != 0 || Contextual(s, at[0], at[end - 1] + 1, flags[..end], isPhoneField)))
            {
                match = new PhoneMatch(Extend(s, at[0], at[end - 1] + 1), at[end - 1] + 1, national);
                pos = match.End;
                return true;
            }

            while (i < s.Length && DigitAt(s, i) >= 0)
            {
                i++;
            }
        }

        pos = s.Length;
        match = default;
        return false;
    }

    /// <summary>Reads the digits from a group start across joinable separator runs; flags mark group ends and weak separators.</summary>
    private static int Read(ReadOnlySpan<char> s, int p, Span<int> at, Span<byte> digits, Span<byte> flags)
    {
        var k = 0;
        byte pending = 0;
        while (true)
        {
            int d;
            while (k < MaxDigits && p < s.Length && (d = DigitAt(s, p)) >= 0)
            {
                at[k] = p;
                digits[k] = (byte)d;
                flags[k++] = pending;
                pending = 0;
                p++;
            }

            if (p < s.Length && DigitAt(s, p) >= 0)
            {
                return k; // a run longer than any number: its last digit read is no group end
            }

            flags[k - 1] |= GroupEnd;
            if (k == MaxDigits)
            {
                return k;
            }

            var q = p;
            var runes = 0;
            var weak = false;
            while (q < s.Length && runes <= MaxSeparators)
            {
                var c = s[q];
                if (IsStrongSeparator(c))
                {
                    q++;
                }
                else if (c is '/' or ',' or '_' or '\\')
                {
                    q++;
                    weak = true;
                }
                else if (SymbolLength(s, q) is var len and > 0)
                {
                    q += len;
                    weak = true;
                }
                else
                {
                    break;
                }

                runes++;
            }

            if (runes == 0 || runes > MaxSeparators || q >= s.Length || DigitAt(s, q) < 0)
            {
                return k;
            }

            // Slashes, commas, underscores and emoji join groups of three digits or more only: "01711/000234" is a
            // number, "17/11/2024", "1,250" and "8/128" are not.
            if (weak && (k < 3 || GroupLength(s, q, 3) < 3))
            {
                return k;
            }

            pending = weak ? WeakBefore : (byte)0;
            p = q;
        }
    }

    /// <summary>
    /// (first digit of the national number, digits consumed, national number), or consumed 0 when no number starts here.
    /// first is 0 for a number whose national 0 is missing (it needs context).
    /// </summary>
    private static (int First, int End, long National) Grammar(ReadOnlySpan<byte> d, ReadOnlySpan<byte> flags)
    {
        int idx;
        if (d.Length >= 4 && d[0] == 0 && d[1] == 0 && d[2] == 8 && d[3] == 8)
        {
            idx = 4;
        }
        else if (d.Length >= 2 && d[0] == 8 && d[1] == 8)
        {
            idx = 2;
        }
        else if (d.Length >= 1 && d[0] == 0)
        {
            return Subscriber(d, flags, 1);
        }
        else
        {
            return Subscriber(d, flags, 0);
        }

        // 880, 8800 (the country code then the national 0) and 88 alone.
        for (var zeros = 0; zeros < 2 && idx < d.Length && d[idx] == 0; zeros++)
        {
            idx++;
        }

        return Subscriber(d, flags, idx);
    }

    private static (int, int, long) Subscriber(ReadOnlySpan<byte> d, ReadOnlySpan<byte> flags, int idx)
    {
        if (idx + 10 > d.Length || d[idx] != 1 || d[idx + 1] < 3 || (flags[idx + 9] & GroupEnd) == 0)
        {
            return (0, 0, 0);
        }

        long national = 0;
        for (var j = idx; j < idx + 10; j++)
        {
            national = (national * 10) + d[j];
        }

        return (idx, idx + 10, national);
    }

    /// <summary>
    /// A number without its national 0 counts only with phone context, plain separators, at most three groups
    /// ("1711 000 234", not the sizes "15 16 17 18 19") and clean edges.
    /// </summary>
    private static bool Contextual(ReadOnlySpan<char> s, int start, int end, ReadOnlySpan<byte> flags, bool isPhoneField)
    {
        var groups = 0;
        foreach (var f in flags)
        {
            if ((f & WeakBefore) != 0)
            {
                return false;
            }

            groups += f & GroupEnd;
        }

        if (groups > 3)
        {
            return false;
        }

        // "24A1711234567" is a parcel id, "1711234567tk" a price.
        if ((start > 0 && char.IsAsciiLetterOrDigit(s[start - 1])) || (end < s.Length && char.IsAsciiLetter(s[end])))
        {
            return false;
        }

        return isPhoneField || PhoneContext.Before(s, start);
    }

    /// <summary>Takes in a leading '+' ("+ 880" too) and an opening bracket whose closing one is inside the number.</summary>
    private static int Extend(ReadOnlySpan<char> s, int start, int end)
    {
        if (start > 0 && s[start - 1] == '+')
        {
            start--;
        }
        else if (start > 1 && s[start - 1] == ' ' && s[start - 2] == '+')
        {
            start -= 2;
        }

        if (start > 0 && s[start - 1] == '(' && s[start..end].Contains(')'))
        {
            start--;
        }

        return start;
    }

    /// <summary>0-9, or 0 for a letter O standing in for zero ("O1711-234567"), else -1.</summary>
    internal static int DigitAt(ReadOnlySpan<char> s, int i)
    {
        var c = s[i];
        if (char.IsAsciiDigit(c))
        {
            return c - '0';
        }

        return c is 'O' or 'o' && IsZeroLetter(s, i) ? 0 : -1;
    }

    /// <summary>A run of up to four O/o letters not inside a word and touching a digit: "O1711", "0171100O234", "-OOO234".</summary>
    private static bool IsZeroLetter(ReadOnlySpan<char> s, int i)
    {
        // Bounded scans: a long run of o's ("sooooo") is no number, and must not cost a pass per letter.
        var a = i;
        while (a > 0 && i - a < 4 && s[a - 1] is 'O' or 'o')
        {
            a--;
        }

        var b = i + 1;
        while (b < s.Length && b - i <= 4 && s[b] is 'O' or 'o')
        {
            b++;
        }

        if (b - a > 4)
        {
            return false;
        }

        var before = a > 0 ? s[a - 1] : ' ';
        var after = b < s.Length ? s[b] : ' ';
        return !char.IsLetter(before) && !char.IsLetter(after) && (char.IsAsciiDigit(before) || char.IsAsciiDigit(after));
    }

    /// <summary>Whether a letter O next to an ASCII digit stands in for a zero (the pre-scan's check, for texts with a few digits).</summary>
    internal static bool HasZeroLetter(ReadOnlySpan<char> s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] is 'O' or 'o' && IsZeroLetter(s, i))
            {
                return true;
            }
        }

        return false;
    }

    private static int GroupLength(ReadOnlySpan<char> s, int p, int max)
    {
        var n = 0;
        while (n < max && p + n < s.Length && DigitAt(s, p + n) >= 0)
        {
            n++;
        }

        return n;
    }

    private static bool IsStrongSeparator(char c) =>
        c is ' ' or '.' or '-' or '(' or ')' or '\t' or '\n' or '\r' or (>= '\u2010' and <= '\u2015') or '\u2212'
        || (c > '\u007F' && char.IsWhiteSpace(c));

    /// <summary>Length in chars of an emoji or other symbol at <paramref name="i"/> (📞, ☎), else 0.</summary>
    private static int SymbolLength(ReadOnlySpan<char> s, int i)
    {
        if (s[i] < '\u00A0')
        {
            return 0;
        }

        if (Rune.DecodeFromUtf16(s[i..], out var rune, out var length) != OperationStatus.Done)
        {
            return 0;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.OtherSymbol or UnicodeCategory.ModifierSymbol ? length : 0;
    }
}
