namespace MillionX.Pipeline.Embedding;

/// <summary>
/// Hugging Face's BERT normaliser and pre-tokeniser for an uncased vocabulary (tokenizer.json's <c>BertNormalizer</c>
/// with clean_text, handle_chinese_chars, lowercase and accent stripping, then <c>BertPreTokenizer</c>): text in,
/// words out, ready for WordPiece. Pure.
/// </summary>
/// <remarks>
/// The steps and their order follow the Rust <c>tokenizers</c> implementation that produced the reference ids:
/// drop NUL, U+FFFD and control/format/private-use characters (tab, CR and LF count as whitespace), map whitespace
/// to a space, pad CJK ideographs with spaces, NFD and drop non-spacing marks, lower-case, then split on whitespace
/// and isolate every punctuation character. Microsoft.ML.Tokenizers' own BERT pre-tokenisation differs (words after
/// tab/CR/LF become ## pieces, symbols are dropped, accents survive, always so under InvariantGlobalization), which
/// is why this exists. Known residual differences: character properties come from .NET's Unicode tables, while
/// the Rust crate uses older ones, so code points assigned in recent Unicode versions may be classified differently.
/// </remarks>
public static class BertBasicTokenizer
{
    /// <summary>The words of <paramref name="text"/>, normalised (lower-cased, accents stripped).</summary>
    public static List<string> Tokenize(string text)
    {
        var words = new List<string>();
        Tokenize(text, words);
        return words;
    }

    /// <summary>Appends the words of <paramref name="text"/> to <paramref name="words"/>.</summary>
    public static void Tokenize(ReadOnlySpan<char> text, List<string> words)
    {
        // Normalisation works on code points: surrogate pairs (emoji, CJK extensions) must stay whole.
        var codePoints = new List<int>(text.Length + 8);
        foreach (var rune in text.EnumerateRunes())
        {
            // Invalid UTF-16 (a lone surrogate) enumerates as U+FFFD, which cleaning drops, as UTF-8 decoding would.
            int cp = rune.Value;
            if (cp == 0 || cp == 0xFFFD || IsControl(rune))
            {
                continue;
            }

            if (Rune.IsWhiteSpace(rune))
            {
                codePoints.Add(' ');
            }
            else if (IsCjkIdeograph(cp))
            {
                codePoints.Add(' ');
                codePoints.Add(cp);
                codePoints.Add(' ');
            }
            else
            {
                UnicodeNfd.Decompose(cp, codePoints);
            }
        }

        UnicodeNfd.ReorderMarks(codePoints);

        var word = new StringBuilder();
        foreach (int cp in codePoints)
        {
            var rune = new Rune(cp);
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (Rune.IsWhiteSpace(rune))
            {
                Flush(word, words);
            }
            else if (IsPunctuation(rune))
            {
                Flush(word, words);
                words.Add(rune.ToString());
            }
            else
            {
                word.Append(Rune.ToLowerInvariant(rune).ToString());
            }
        }

        Flush(word, words);
    }

    /// <summary>Categories Cc, Cf and Co, except tab, CR and LF (whitespace). Cn is kept, as the Rust crate does.</summary>
    internal static bool IsControl(Rune rune)
    {
        if (rune.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse;
    }

    /// <summary>ASCII symbols 33-47, 58-64, 91-96, 123-126 (so <c>$</c>, <c>^</c>, <c>`</c> split too) plus Unicode P*.</summary>
    internal static bool IsPunctuation(Rune rune)
    {
        int cp = rune.Value;
        if (cp is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126))
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>The CJK Unified Ideograph blocks BERT isolates (not Hangul, Hiragana or Katakana).</summary>
    internal static bool IsCjkIdeograph(int cp) =>
        cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);

    private static void Flush(StringBuilder word, List<string> words)
    {
        if (word.Length > 0)
        {
            words.Add(word.ToString());
            word.Clear();
        }
    }
}
