using MillionX.Pipeline.Embedding;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class BertBasicTokenizerTests
{
    [Fact]
    public void Tokenize_AccentsAndCapitals_StrippedAndLowerCased() =>
        Assert.Equal(["cafe", "naive", "resume", "istanbul"], BertBasicTokenizer.Tokenize("Café NAÏVE résumé İstanbul"));

    [Fact]
    public void Tokenize_PunctuationAndAsciiSymbols_EachCharacterIsolated() =>
        Assert.Equal(["don", "'", "t", "$", "5", "^", "`", "!", "!", "«", "x", "»"], BertBasicTokenizer.Tokenize("don't $5^`!! «x»"));

    [Fact]
    public void Tokenize_WhitespaceAndControlCharacters_SplitOrVanish() =>
        // Tab/CR/LF and Unicode spaces split words; NUL, BEL, vertical tab, zero-width space and soft hyphen vanish.
        Assert.Equal(["one", "two", "three", "four", "fivesix", "seveneight"], BertBasicTokenizer.Tokenize("one\ttwo\r\nthree\u3000four five\0\u0007\u000bsix seven\u200b\u00adeight"));

    [Fact]
    public void Tokenize_CjkIdeographs_OneWordEach() =>
        // Ideographs split; kana and Hangul do not (BERT's CJK rule covers only the ideograph blocks).
        Assert.Equal(["中", "文", "abc", "日", "本", "のテキスト"], BertBasicTokenizer.Tokenize("中文abc日本のテキスト"));

    [Fact]
    public void Tokenize_HangulSyllables_DecomposedToJamo() =>
        Assert.Equal(["\u1112\u1161\u11AB"], BertBasicTokenizer.Tokenize("한"));

    [Fact]
    public void Tokenize_SurrogatePairsAndLoneSurrogates_EmojiKeptLoneDropped() =>
        Assert.Equal(["a🎉b", "c"], BertBasicTokenizer.Tokenize("a🎉b \ud800c"));

    [Theory]
    [InlineData("")]
    [InlineData("   \t\r\n ")]
    [InlineData("\u200b\u0000")]
    public void Tokenize_NothingButSpaceOrControls_NoWords(string text) =>
        Assert.Empty(BertBasicTokenizer.Tokenize(text));

    [Fact]
    public void Normalize_UnderInvariantGlobalization_Decomposes()
    {
        // The reason UnicodeNfd exists: with InvariantGlobalization string.Normalize leaves non-ASCII text as it is.
        Assert.Equal("e\u0301", UnicodeNfd.Normalize("é"));
        Assert.Equal("A\u030A", UnicodeNfd.Normalize("\u212B"));
        Assert.Equal("\u1100\u1161", UnicodeNfd.Normalize("가"));
    }

    [Fact]
    public void Normalize_CombiningMarksOutOfOrder_ReorderedByCombiningClass() =>
        // Dot below (class 220) sorts before circumflex (230) whichever order they were typed in.
        Assert.Equal("a\u0323\u0302", UnicodeNfd.Normalize("a\u0302\u0323"));
}
