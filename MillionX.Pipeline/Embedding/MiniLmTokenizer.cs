using Microsoft.ML.Tokenizers;

namespace MillionX.Pipeline.Embedding;

/// <summary>
/// all-MiniLM-L6-v2's tokenizer: Hugging Face-compatible BERT basic tokenisation (<see cref="BertBasicTokenizer"/>),
/// WordPiece from Microsoft.ML.Tokenizers, <c>[CLS]</c> ... <c>[SEP]</c>, truncated to <see cref="MaxTokens"/>.
/// Thread-safe.
/// </summary>
public sealed class MiniLmTokenizer
{
    /// <summary>sentence-transformers' max_seq_length for all-MiniLM-L6-v2, [CLS] and [SEP] included.</summary>
    public const int DefaultMaxTokens = 256;

    // Hugging Face counts a word's length in code points; the library counts UTF-16 units. The library's limit is
    // set high enough never to fire first, and the code-point limit is applied here.
    private const int MaxCodePointsPerWord = 100;

    private static readonly string[] SpecialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    private readonly BertTokenizer _wordPiece;
    private readonly Dictionary<string, int> _specialIds;

    public MiniLmTokenizer(string vocabPath, int maxTokens = DefaultMaxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 2);
        MaxTokens = maxTokens;

        // Basic tokenisation is switched off: the library's differs from Hugging Face's (see BertBasicTokenizer).
        // Each word is then encoded on its own with pre-tokenisation and normalisation off, so the library does
        // WordPiece only.
        _wordPiece = BertTokenizer.Create(vocabPath, new BertOptions
        {
            ApplyBasicTokenization = false,
            LowerCaseBeforeTokenization = false,
            RemoveNonSpacingMarks = false,
            IndividuallyTokenizeCjk = false,
            SplitOnSpecialTokens = false,
            MaxInputCharsPerWord = MaxCodePointsPerWord * 2,
        });

        _specialIds = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["[PAD]"] = _wordPiece.PaddingTokenId,
            ["[UNK]"] = _wordPiece.UnknownTokenId,
            ["[CLS]"] = _wordPiece.ClassificationTokenId,
            ["[SEP]"] = _wordPiece.SeparatorTokenId,
            ["[MASK]"] = _wordPiece.MaskingTokenId,
        };
    }

    /// <summary>The longest sequence <see cref="Encode"/> returns, [CLS] and [SEP] included.</summary>
    public int MaxTokens { get; }

    public int ClsId => _wordPiece.ClassificationTokenId;

    public int SepId => _wordPiece.SeparatorTokenId;

    public int PadId => _wordPiece.PaddingTokenId;

    public int UnknownId => _wordPiece.UnknownTokenId;

    /// <summary><c>[CLS]</c>, at most <see cref="MaxTokens"/> - 2 word pieces, <c>[SEP]</c>.</summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>(32) { ClsId };
        AppendWordPieces(text, ids, MaxTokens - 2);
        ids.Add(SepId);
        return [.. ids];
    }

    /// <summary>What <c>Encode(text).Length</c> returns.</summary>
    public int CountTokens(string text) => Encode(text).Length;

    /// <summary>Appends word-piece ids of <paramref name="text"/> (no [CLS]/[SEP]) until <paramref name="limit"/> are added.</summary>
    private void AppendWordPieces(string text, List<int> ids, int limit)
    {
        int stop = ids.Count + limit;
        var words = new List<string>();

        // Like Hugging Face's added-token handling, special tokens written literally in the text (exact case) are
        // matched before any normalisation and encode to their own ids; the text between them is tokenised as usual.
        int segmentStart = 0;
        for (int i = text.IndexOf('[', StringComparison.Ordinal); i >= 0 && ids.Count < stop; i = text.IndexOf('[', i + 1))
        {
            var special = MatchSpecialToken(text, i);
            if (special is null)
            {
                continue;
            }

            AppendSegment(text.AsSpan(segmentStart, i - segmentStart), words, ids, stop);
            if (ids.Count < stop)
            {
                ids.Add(_specialIds[special]);
            }

            segmentStart = i + special.Length;
            i = segmentStart - 1;
        }

        AppendSegment(text.AsSpan(segmentStart), words, ids, stop);
    }

    private void AppendSegment(ReadOnlySpan<char> segment, List<string> words, List<int> ids, int stop)
    {
        if (segment.IsEmpty || ids.Count >= stop)
        {
            return;
        }

        words.Clear();
        BertBasicTokenizer.Tokenize(segment, words);
        foreach (var word in words)
        {
            if (ids.Count >= stop)
            {
                return;
            }

            if (CodePointCount(word) > MaxCodePointsPerWord)
            {
                ids.Add(UnknownId);
                continue;
            }

            // Truncation is per token, as Hugging Face's: a word may be cut between its pieces.
            foreach (int id in _wordPiece.EncodeToIds(word, addSpecialTokens: false, considerPreTokenization: false, considerNormalization: false))
            {
                if (ids.Count >= stop)
                {
                    return;
                }

                ids.Add(id);
            }
        }
    }

    private static string? MatchSpecialToken(string text, int index)
    {
        foreach (var token in SpecialTokens)
        {
            if (text.AsSpan(index).StartsWith(token, StringComparison.Ordinal))
            {
                return token;
            }
        }

        return null;
    }

    private static int CodePointCount(string word)
    {
        int count = 0;
        foreach (var _ in word.EnumerateRunes())
        {
            count++;
        }

        return count;
    }
}
