using System.Text;
using System.Text.RegularExpressions;

namespace MillionX.Pipeline.Privacy;

/// <summary>
/// Finds Bangladeshi phone numbers, e-mail addresses and @mentions in free text and replaces them with
/// <c>PHONE_&lt;hash&gt;</c>, <c>EMAIL_&lt;hash&gt;</c> and <c>USER_&lt;hash&gt;</c>. Pure.
/// </summary>
public sealed partial class PiiScrubber(PiiHasher hasher)
{
    // Separators people put inside numbers: spaces, dashes, dots, brackets.
    private const string Sep = @"[\s.\-()]{0,3}";

    // +880 / 880 / 0088 0 / +88 0 prefixes, or the national 0; then an operator 01[3-9] and eight more digits.
    // Lookarounds keep longer digit runs (order ids, card numbers) and prices from matching.
    [GeneratedRegex(
        @"(?<![\d+])\(?(?:(?:(?:\+|00)\s?)?88" + Sep + @"0?" + Sep + @"|0" + Sep + @")1" + Sep + @"[3-9](?:" + Sep + @"\d){8}(?!\d)",
        RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();

    [GeneratedRegex(@"(?<![\w.+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"(?<![\w@])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)", RegexOptions.CultureInvariant)]
    private static partial Regex MentionPattern();

    public PiiHasher Hasher => hasher;

    /// <summary>Replaces every e-mail, phone and mention in <paramref name="text"/>.</summary>
    public string Scrub(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        // Most texts hold no PII at all. E-mails and mentions need an '@' and a phone at least eleven digits, so those
        // cheap scans skip the regexes (which cost ~10 us a text, the privacy stage's largest per-record cost).
        var s = text.Contains('@') ? EmailPattern().Replace(text, m => "EMAIL_" + hasher.HashEmail(m.Value)) : text;
        s = CountDigits(s) >= MinPhoneDigits ? ScrubPhones(s) : s;
        s = s.Contains('@') ? MentionPattern().Replace(s, m => "USER_" + hasher.HashUser(m.Groups[1].Value)) : s;
        return s;
    }

    // The shortest number PhonePattern matches: the national 0, 1, [3-9] and eight more digits.
    private const int MinPhoneDigits = 11;

    /// <summary>Decimal digits of any script in <paramref name="s"/>.</summary>
    internal static int CountDigits(ReadOnlySpan<char> s)
    {
        var n = 0;
        foreach (var c in s)
        {
            // Any Unicode decimal digit: the pattern's \d matches those too, Bengali included.
            if (char.IsDigit(c))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>Hashes a field that holds one phone number (or, failing that, an e-mail or other contact).</summary>
    public string HashContact(string value)
    {
        var ascii = AsciiDigits(value).Trim();
        var phone = PhonePattern().Match(ascii);
        if (phone.Success && phone.Length >= ascii.Length - 2)
        {
            return hasher.HashPhone(CanonicalPhone(phone.Value));
        }

        if (EmailPattern().Match(ascii) is { Success: true } email && email.Length == ascii.Length)
        {
            return hasher.HashEmail(email.Value);
        }

        // Not a recognisable number: still never stored raw; digits only so formatting does not split it.
        var digits = new string(ascii.Where(char.IsAsciiDigit).ToArray());
        return hasher.Hash(PiiKind.Other, digits.Length >= 6 ? digits : ascii.ToLowerInvariant());
    }

    /// <summary>All Bangladeshi phone numbers found in <paramref name="text"/>, canonical (<c>8801XXXXXXXXX</c>).</summary>
    public static IReadOnlyList<string> FindPhones(string text) =>
        PhonePattern().Matches(AsciiDigits(text)).Select(m => CanonicalPhone(m.Value)).ToList();

    /// <summary>The canonical form every written variant of one number maps to: 880 and the ten national digits.</summary>
    public static string CanonicalPhone(string matched)
    {
        var digits = new string(AsciiDigits(matched).Where(char.IsAsciiDigit).ToArray());
        return "880" + digits[^10..];
    }

    private string ScrubPhones(string s)
    {
        // Bengali digits map one char to one char, so match positions in the ASCII copy are positions in s.
        var ascii = AsciiDigits(s);
        var matches = PhonePattern().Matches(ascii);
        if (matches.Count == 0)
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        var last = 0;
        foreach (Match m in matches)
        {
            sb.Append(s, last, m.Index - last).Append("PHONE_").Append(hasher.HashPhone(CanonicalPhone(m.Value)));
            last = m.Index + m.Length;
        }

        return sb.Append(s, last, s.Length - last).ToString();
    }

    /// <summary>
    /// Decimal digits of every script (Bengali ০-৯ above all, but also Devanagari, Arabic-Indic, full-width, ...) to
    /// ASCII, everything else unchanged, same length. The phone pattern's <c>\d</c> matches any script's digits, so
    /// a number written in any of them is found and canonicalised instead of slipping through or breaking the hash.
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
