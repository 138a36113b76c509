namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>
/// Pure: reads the abbreviated counts social sites show ("1.2K", "3.4M", "1,234", "১.২K" in Bengali digits,
/// "12.5k likes", "All reactions: 1.2K") as whole numbers; anything it cannot read unambiguously is null.
/// </summary>
public static class EngagementParser
{
    public static long? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        // Any Unicode decimal digit (Bengali ০-৯, Devanagari, ...) counts as its ASCII value.
        var s = new string(text.Trim().Select(c => CharUnicodeInfo.GetDecimalDigitValue(c) is var d and >= 0 ? (char)('0' + d) : c).ToArray());
        var start = 0;
        while (start < s.Length && !char.IsAsciiDigit(s[start]))
        {
            // A label may precede the number ("All reactions: 1.2K"), but not a sign or another number's pieces.
            if (s[start] is '-' or '.' or ',' or '+')
            {
                return null;
            }

            start++;
        }

        if (start == s.Length)
        {
            return null;
        }

        var i = start;
        var digits = new System.Text.StringBuilder();
        var sawDot = false;
        var groupLength = -1;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsAsciiDigit(c))
            {
                digits.Append(c);
                if (groupLength >= 0 && !sawDot)
                {
                    groupLength++;
                }
            }
            else if (c == ',' && !sawDot && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]))
            {
                if (groupLength is >= 0 and not 3)
                {
                    return null;
                }

                groupLength = 0;
            }
            else if (c == '.' && !sawDot && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]))
            {
                if (groupLength is >= 0 and not 3)
                {
                    return null;
                }

                sawDot = true;
                groupLength = -1;
                digits.Append('.');
            }
            else
            {
                break;
            }
        }

        if (groupLength is >= 0 and not 3)
        {
            return null;
        }

        var j = i;
        while (j < s.Length && s[j] == ' ')
        {
            j++;
        }

        var multiplier = 1m;
        if (j < s.Length && char.ToUpperInvariant(s[j]) is 'K' or 'M' or 'B' && (j + 1 == s.Length || !char.IsLetterOrDigit(s[j + 1])))
        {
            multiplier = char.ToUpperInvariant(s[j]) switch { 'K' => 1_000m, 'M' => 1_000_000m, _ => 1_000_000_000m };
            j++;
        }
        else
        {
            j = i;
        }

        // What follows may only be words ("likes", "views"), not more numbers or symbols such as "1.2.3".
        var rest = s[j..];
        if (rest.Length > 0 && (!char.IsWhiteSpace(rest[0]) || rest.Any(c => char.IsAsciiDigit(c) || c is '.' or ',')))
        {
            return null;
        }

        if (!decimal.TryParse(digits.ToString(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        var result = value * multiplier;
        if (result != decimal.Truncate(result) || result > long.MaxValue)
        {
            return null;
        }

        return (long)result;
    }
}
