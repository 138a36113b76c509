using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.RegularExpressions;

namespace MillionX.Pipeline.Privacy;

/// <summary>
/// Finds Bangladeshi phone numbers, e-mail addresses, @mentions and people's names (<see cref="NameFinder"/>) in free
/// text and replaces them with <c>PHONE_&lt;hash&gt;</c>, <c>EMAIL_&lt;hash&gt;</c>, <c>USER_&lt;hash&gt;</c> and
/// <c>NAME_&lt;hash&gt;</c>. Pure.
/// </summary>
/// <remarks>
/// Matching runs on a <see cref="FoldedText"/> (digits of every script as ASCII, full-width forms as ASCII, invisible
/// format characters and keycap decorations dropped), so "0️⃣1️⃣7️⃣...", "01711" U+00AD "234567", "𝟎𝟏𝟕..." and
/// "name＠gmail.com" are found; replacements are made in the original text, which is otherwise left as written.
/// </remarks>
public sealed partial class PiiScrubber(PiiHasher hasher)
{
    // The written forms of '@' in an address: plain, spaced on both sides, spaced before a mail provider only (so
    // "thanks @rahim.shop" stays a mention), bracketed ([at], (at), {at}), and a bare " at " before a mail provider or
    // a bracketed [dot] (so "available at daraz.com.bd" is left alone).
    private const string Providers = @"(?:gmail|googlemail|yahoo|ymail|hotmail|outlook|live|icloud|proton|protonmail)[. \[({<]";
    private const string BracketAt = @"[ \t]*[\[({<][ \t]*at[ \t]*[\])}>][ \t]*";
    private const string BracketDot = @"[ \t]*[\[({<][ \t]*dot[ \t]*[\])}>][ \t]*";

    [GeneratedRegex(
        @"(?<![A-Za-z0-9.%+@])(?<local>[A-Za-z0-9][A-Za-z0-9._%+-]{0,63})" +
        @"(?:@[ \t]{0,2}|[ \t]{1,2}@[ \t]{1,2}|[ \t]{1,2}@(?=" + Providers + ")|" + BracketAt + @"| at (?=" + Providers + @"|[A-Za-z0-9-]+" + BracketDot + "))" +
        @"(?<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.|" + BracketDot + @"|[ \t]dot[ \t]))+[A-Za-z]{2,24})(?![A-Za-z0-9_])",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"\.|" + BracketDot + @"|[ \t]dot[ \t]", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex DotForms();

    // "@name", "@@name", "＠name" (folded to '@'), and names in any script: "@রহিম" (Bengali vowel signs are marks).
    [GeneratedRegex(@"(?<![\w@])@+(?<name>[\w\p{Mc}](?:[\w\p{Mc}.]{0,28}[\w\p{Mc}])?)", RegexOptions.CultureInvariant)]
    private static partial Regex MentionPattern();

    private static readonly SearchValues<char> AtSigns = SearchValues.Create("@\uFF20\uFE6B");

    private static readonly SearchValues<char> Brackets = SearchValues.Create("[({<");

    private static readonly SearchValues<char> AtSignsAndBrackets = SearchValues.Create("@\uFF20\uFE6B[({<");

    // One string: SearchValues finds a single string ignoring case ~15x faster than span.Contains or a many-string set.
    private static readonly SearchValues<string> SpacedAt = SearchValues.Create([" at "], StringComparison.OrdinalIgnoreCase);

    private static readonly string[] MailProviders = ["gmail", "googlemail", "yahoo", "ymail", "hotmail", "outlook", "live", "icloud", "proton", "protonmail"];

    // What may follow the digits of an "@500tk" rate.
    private static readonly string[] RateUnits = ["", "tk", "taka", "bdt", "k", "pcs", "pc", "টাকা", "টি"];

    public PiiHasher Hasher => hasher;

    /// <summary>Replaces every e-mail, phone and mention in <paramref name="text"/>.</summary>
    public string Scrub(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        // Most texts hold no PII at all, and these scans (no allocation) prove it for most of them: a number has at
        // least ten digits (O standing in for some zeros: then five), an address or a mention an '@' or a spelled-out one.
        var span = text.AsSpan();
        var digits = CountDigits(span);
        var phones = digits >= MinPhoneDigits || (digits >= 5 && PhoneFinder.HasZeroLetter(span));
        var marks = span.ContainsAny(AtSignsAndBrackets);
        var at = marks && span.ContainsAny(AtSigns);
        var emails = at || SpellsAt(span, marks);
        var names = NameFinder.HasCandidate(span);
        if (!phones && !emails && !names)
        {
            return text;
        }

        using var folded = FoldedText.Create(text);
        var s = folded.Span;
        List<(int Start, int End, string Token)>? found = null;
        if (emails)
        {
            foreach (var m in EmailPattern().EnumerateMatches(s))
            {
                Add(ref found, m.Index, m.Index + m.Length, hasher.EmailToken("EMAIL_", CanonicalEmail(s.Slice(m.Index, m.Length))));
            }
        }

        if (phones)
        {
            var pos = 0;
            while (PhoneFinder.Next(s, ref pos, isPhoneField: false, out var phone))
            {
                if (!Overlaps(found, phone.Start, phone.End) && !InsideToken(s, phone.Start))
                {
                    Add(ref found, phone.Start, phone.End, hasher.Token("PHONE_", PiiKind.Phone, phone.Canonical));
                }
            }
        }

        if (at)
        {
            foreach (var m in MentionPattern().EnumerateMatches(s))
            {
                var name = s.Slice(m.Index, m.Length).TrimStart('@');
                if (!Overlaps(found, m.Index, m.Index + m.Length) && !IsRate(name))
                {
                    Add(ref found, m.Index, m.Index + m.Length, hasher.UserToken("USER_", name));
                }
            }
        }

        if (names)
        {
            foreach (var name in NameFinder.Find(s))
            {
                if (!Overlaps(found, name.Start, name.End))
                {
                    Add(ref found, name.Start, name.End, hasher.Token("NAME_", PiiKind.Name, name.Canonical));
                }
            }
        }

        return found is null ? text : Replace(folded, found);
    }

    // The shortest number: the operator 1[3-9] and eight more digits, where context says the national 0 was left out.
    private const int MinPhoneDigits = 10;

    /// <summary>Decimal digits of any script in <paramref name="s"/> (an astral digit, a surrogate pair, counts once).</summary>
    internal static int CountDigits(ReadOnlySpan<char> s)
    {
        // ASCII digits sixteen chars at a time (most texts are short and ASCII); non-ASCII text then char by char.
        var n = 0;
        var i = 0;
        var any = Vector256<ushort>.Zero;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var first = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(s));
            for (; i + Vector256<ushort>.Count <= s.Length; i += Vector256<ushort>.Count)
            {
                var v = Vector256.LoadUnsafe(ref first, (nuint)i);
                any |= v;
                var isDigit = Vector256.LessThanOrEqual(v - Vector256.Create((ushort)'0'), Vector256.Create((ushort)9));
                n += BitOperations.PopCount(isDigit.ExtractMostSignificantBits());
            }
        }

        var all = (any & Vector256.Create((ushort)0xFF80)) == Vector256<ushort>.Zero ? 0 : 0x80;
        for (; i < s.Length; i++)
        {
            n += (uint)(s[i] - '0') <= 9 ? 1 : 0;
            all |= s[i];
        }

        if (all <= 0x7F)
        {
            return n;
        }

        for (i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c <= '\u007F')
            {
                continue;
            }

            if (char.IsDigit(c))
            {
                n++;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) && Rune.IsDigit(new Rune(c, s[i + 1])))
            {
                n++;
                i++;
            }
        }

        return n;
    }

    /// <summary>Hashes a field that holds one phone number (or, failing that, an e-mail or other contact).</summary>
    public string HashContact(string value)
    {
        using (var folded = FoldedText.Create(value))
        {
            var s = folded.Span.Trim();
            var pos = 0;

            // The field says it is a phone, so a number without its national 0 counts too.
            if (PhoneFinder.Next(s, ref pos, isPhoneField: true, out var phone) && phone.End - phone.Start >= s.Length - 2)
            {
                return hasher.HashPhone(phone.Canonical);
            }

            var email = EmailPattern().EnumerateMatches(s);
            if (email.MoveNext() && email.Current.Length == s.Length)
            {
                return hasher.HashEmail(CanonicalEmail(s));
            }
        }

        // Not a recognisable number: still never stored raw; digits only so formatting does not split it.
        var ascii = AsciiDigits(value).Trim();
        var digits = new string(ascii.Where(char.IsAsciiDigit).ToArray());
        return hasher.Hash(PiiKind.Other, digits.Length >= 6 ? digits : ascii.ToLowerInvariant());
    }

    /// <summary>All Bangladeshi phone numbers found in <paramref name="text"/>, canonical (<c>8801XXXXXXXXX</c>).</summary>
    public static IReadOnlyList<string> FindPhones(string text)
    {
        var phones = new List<string>();
        using var folded = FoldedText.Create(text);
        var pos = 0;
        while (PhoneFinder.Next(folded.Span, ref pos, isPhoneField: false, out var phone))
        {
            phones.Add(phone.Canonical);
        }

        return phones;
    }

    /// <summary>
    /// Whether <paramref name="start"/> is inside the hex of a token this scrubber wrote (<c>PHONE_k1_3fa2...</c>):
    /// its digits can look like a number, and scrubbing scrubbed text again must change nothing.
    /// </summary>
    private bool InsideToken(ReadOnlySpan<char> s, int start)
    {
        var hex = start;
        while (hex > 0 && start - hex < PiiHasher.HexChars && char.IsAsciiHexDigitLower(s[hex - 1]))
        {
            hex--;
        }

        var keyId = hasher.KeyId;
        return hex > keyId.Length + 1 && s[..hex].EndsWith(keyId + "_", StringComparison.Ordinal) && s[hex - keyId.Length - 2] == '_';
    }

    /// <summary>
    /// Whether a text without '@' spells one out the way the e-mail pattern accepts: a bracketed at or dot ("[at]",
    /// "( dot )"), or " at " before a mail provider. Texts with neither hold no address.
    /// </summary>
    private static bool SpellsAt(ReadOnlySpan<char> s, bool brackets)
    {
        for (var rest = brackets ? s : default; rest.IndexOfAny(Brackets) is var i and >= 0; rest = rest[(i + 1)..])
        {
            var inner = rest[(i + 1)..].TrimStart(" \t");
            var word = inner.StartsWith("at", StringComparison.OrdinalIgnoreCase) ? 2 : inner.StartsWith("dot", StringComparison.OrdinalIgnoreCase) ? 3 : 0;
            if (word > 0 && inner[word..].TrimStart(" \t") is [']' or ')' or '}' or '>', ..])
            {
                return true;
            }
        }

        for (var rest = s; rest.IndexOfAny(SpacedAt) is var i and >= 0; rest = rest[(i + 1)..])
        {
            var after = rest[(i + 4)..];
            foreach (var provider in MailProviders)
            {
                if (after.StartsWith(provider, StringComparison.OrdinalIgnoreCase) && after.Length > provider.Length && after[provider.Length] is '.' or ' ' or '[' or '(' or '{' or '<')
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>An address as matched (spelled-out or spaced '@' and '.' included) as local@domain; HashEmail lower-cases it.</summary>
    private static string CanonicalEmail(ReadOnlySpan<char> matched)
    {
        var m = EmailPattern().Match(matched.ToString());
        return m.Groups["local"].Value + "@" + DotForms().Replace(m.Groups["domain"].Value, ".");
    }

    // "@500tk", "@৫০০" and "@১২০০টাকা" are prices per piece, not accounts.
    private static bool IsRate(ReadOnlySpan<char> name)
    {
        var i = 0;
        while (i < name.Length && (char.IsDigit(name[i]) || name[i] is ',' or '.'))
        {
            i++;
        }

        if (i == 0)
        {
            return false;
        }

        var unit = name[i..];
        foreach (var u in RateUnits)
        {
            if (unit.Equals(u, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static void Add(ref List<(int, int, string)>? found, int start, int end, string token) =>
        (found ??= []).Add((start, end, token));

    private static bool Overlaps(List<(int Start, int End, string)>? found, int start, int end)
    {
        if (found is not null)
        {
            foreach (var f in found)
            {
                if (start < f.End && f.Start < end)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The original text with each found span (folded positions) replaced by its token.</summary>
    private static string Replace(in FoldedText folded, List<(int Start, int End, string Token)> found)
    {
        if (!IsSorted(found))
        {
            found.Sort((a, b) => a.Start.CompareTo(b.Start));
        }

        // Each span to its original [from, to), in place: invisible characters dropped from around a match go with it.
        var source = folded.Source;
        var length = source.Length;
        var last = 0;
        for (var k = 0; k < found.Count; k++)
        {
            var (start, end, token) = found[k];
            var from = Math.Max(last, folded.OriginalStartWithDropped(start));
            last = folded.OriginalEnd(end - 1);
            found[k] = (from, last, token);
            length += token.Length - (last - from);
        }

        return string.Create(length, (source, found), static (dst, state) =>
        {
            var (source, cuts) = state;
            var last = 0;
            foreach (var (from, to, token) in cuts)
            {
                source.AsSpan(last, from - last).CopyTo(dst);
                dst = dst[(from - last)..];
                token.CopyTo(dst);
                dst = dst[token.Length..];
                last = to;
            }

            source.AsSpan(last).CopyTo(dst);
        });
    }

    private static bool IsSorted(List<(int Start, int End, string Token)> found)
    {
        for (var k = 1; k < found.Count; k++)
        {
            if (found[k].Start < found[k - 1].Start)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Decimal digits of the Basic Multilingual Plane (Bengali ০-৯ above all, but also Devanagari, Arabic-Indic,
    /// full-width, ...) to ASCII, everything else unchanged, same length. Matching uses <see cref="FoldedText"/>, which
    /// also folds astral digits; this stays for the fallback hash of contacts that are no phone or e-mail, whose
    /// hashes must not change.
    /// </summary>
    public static string AsciiDigits(string s)
    {
        var span = s.AsSpan();
        var first = span.IndexOfAnyExceptInRange('\0', '\u007F');
        if (first < 0 || !HasNonAsciiDigit(span[first..]))
        {
            return s;
        }

        return string.Create(s.Length, s, (dst, src) =>
        {
            for (var i = 0; i < src.Length; i++)
            {
                var c = src[i];
                dst[i] = c > '\u007F' && char.IsDigit(c) ? (char)('0' + (int)char.GetNumericValue(c)) : c;
            }
        });
    }

    private static bool HasNonAsciiDigit(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (c > '\u007F' && char.IsDigit(c))
            {
                return true;
            }
        }

        return false;
    }
}
