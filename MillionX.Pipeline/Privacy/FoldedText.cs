using System.Buffers;

namespace MillionX.Pipeline.Privacy;

/// <summary>
/// A text folded for matching, with the way back to the original: every decimal digit of any script (astral ones
/// such as mathematical bold 𝟏 included) becomes ASCII, full-width forms become ASCII, and invisible format
/// characters (soft hyphen, zero-width joiners and spaces, bidi marks) and the emoji decorations U+FE0F and U+20E3
/// (keycaps 1️⃣) are dropped. <c>string.Normalize</c> cannot do this: the process runs with invariant globalization.
/// Matches are found in the folded text and replaced in the original, so everything else is kept exactly as written.
/// Buffers are pooled; dispose to return them.
/// </summary>
internal ref struct FoldedText
{
    private char[] _chars;
    private int[]? _origin; // null: the folded text is the original, char for char

    private FoldedText(string source, char[] chars, int[]? origin, int length)
    {
        Source = source;
        _chars = chars;
        _origin = origin;
        Length = length;
    }

    public string Source { get; }

    public int Length { get; }

    public readonly ReadOnlySpan<char> Span => _chars.AsSpan(0, Length);

    public static FoldedText Create(string source)
    {
        var chars = ArrayPool<char>.Shared.Rent(Math.Max(source.Length, 1));
        var firstNonAscii = source.AsSpan().IndexOfAnyExceptInRange('\0', '\u007F');
        if (firstNonAscii < 0)
        {
            source.CopyTo(chars);
            return new FoldedText(source, chars, null, source.Length);
        }

        var origin = ArrayPool<int>.Shared.Rent(source.Length);
        source.AsSpan(0, firstNonAscii).CopyTo(chars);
        for (var i = 0; i < firstNonAscii; i++)
        {
            origin[i] = i;
        }

        var n = firstNonAscii;
        for (var i = firstNonAscii; i < source.Length; i++)
        {
            var c = source[i];
            var start = i;
            char folded;
            if (c < '\u0080')
            {
                folded = c;
            }
            else if (c is >= '\uFF01' and <= '\uFF5E')
            {
                folded = (char)(c - 0xFEE0);
            }
            else if (c == '\u3000')
            {
                folded = ' ';
            }
            else if (c == '\uFE6B')
            {
                folded = '@'; // small commercial at
            }
            else if (char.IsHighSurrogate(c) && i + 1 < source.Length && char.IsLowSurrogate(source[i + 1]))
            {
                var rune = new Rune(c, source[i + 1]);
                i++;
                var category = Rune.GetUnicodeCategory(rune);
                if (category == UnicodeCategory.DecimalDigitNumber)
                {
                    folded = (char)('0' + CharUnicodeInfo.GetDecimalDigitValue(source, start));
                }
                else if (category == UnicodeCategory.Format || rune.Value is >= 0xE0100 and <= 0xE01EF)
                {
                    continue;
                }
                else
                {
                    chars[n] = c;
                    origin[n++] = start;
                    folded = source[i];
                    start = i;
                }
            }
            else if (c is >= '\uFE00' and <= '\uFE0F' || c == '\u20E3')
            {
                continue; // variation selectors and the combining keycap: decoration around a character
            }
            else
            {
                var category = CharUnicodeInfo.GetUnicodeCategory(c);
                if (category == UnicodeCategory.DecimalDigitNumber)
                {
                    folded = (char)('0' + CharUnicodeInfo.GetDecimalDigitValue(c));
                }
                else if (category == UnicodeCategory.Format)
                {
                    continue;
                }
                else
                {
                    folded = c;
                }
            }

            chars[n] = folded;
            origin[n++] = start;
        }

        return new FoldedText(source, chars, origin, n);
    }

    /// <summary>Where folded char <paramref name="i"/> starts in the original.</summary>
    public readonly int OriginalStart(int i) => _origin is null ? i : _origin[i];

    /// <summary>Where folded char <paramref name="i"/> starts in the original, with any dropped characters before it.</summary>
    public readonly int OriginalStartWithDropped(int i)
    {
        if (i == 0)
        {
            return 0;
        }

        // Just past the previous kept character: two chars when it was an astral digit folded to one.
        var previous = OriginalStart(i - 1);
        return previous + (char.IsHighSurrogate(Source[previous]) && !char.IsHighSurrogate(_chars[i - 1]) ? 2 : 1);
    }

    /// <summary>Where folded char <paramref name="i"/> ends in the original, with any dropped characters after it.</summary>
    public readonly int OriginalEnd(int i) => i + 1 < Length ? OriginalStart(i + 1) : Source.Length;

    public void Dispose()
    {
        if (_chars is not null)
        {
            ArrayPool<char>.Shared.Return(_chars);
            _chars = null!;
        }

        if (_origin is not null)
        {
            ArrayPool<int>.Shared.Return(_origin);
            _origin = null;
        }
    }
}
