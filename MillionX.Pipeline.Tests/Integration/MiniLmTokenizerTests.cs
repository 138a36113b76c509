using MillionX.Pipeline.Embedding;

namespace MillionX.Pipeline.Tests.Integration;

public sealed class MiniLmTokenizerTests
{
    // No truncation for the agreement check: the reference was produced with truncation off.
    private static readonly Lazy<MiniLmTokenizer> Untruncated = new(() => new MiniLmTokenizer(TestModels.Vocab, maxTokens: 100_000));
    private static readonly Lazy<MiniLmTokenizer> Default = new(() => new MiniLmTokenizer(TestModels.Vocab));

    private static string ExtraReference => Path.Combine(AppContext.BaseDirectory, "Integration", "Data", "tokenizer-extra-reference.jsonl");

    private sealed record Reference(string Text, int[] Ids, string[] Tokens);

    private static List<Reference> Read(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<Reference>(l, JsonSerializerOptions.Web)!).ToList();

    private static Reference Line(string file, int index) => Read(file == "shared" ? TestModels.TokenizerReference : ExtraReference)[index];

    public static TheoryData<string, int> SharedLines() => Lines("shared", 37);

    public static TheoryData<string, int> ExtraLines() => Lines("extra", File.ReadLines(ExtraReference).Count(l => l.Length > 0));

    private static TheoryData<string, int> Lines(string file, int count)
    {
        var data = new TheoryData<string, int>();
        for (int i = 0; i < count; i++)
        {
            data.Add(file, i);
        }

        return data;
    }

    [Fact]
    public void ReferenceFile_Shared_Has37Lines() => Assert.Equal(37, Read(TestModels.TokenizerReference).Count);

    [Theory]
    [MemberData(nameof(SharedLines))]
    [MemberData(nameof(ExtraLines))]
    public void Encode_HuggingFaceReferenceLine_SameIds(string file, int index)
    {
        var reference = Line(file, index);

        var ids = Untruncated.Value.Encode(reference.Text);

        Assert.True(reference.Ids.SequenceEqual(ids),
            $"{file} line {index + 1} {JsonSerializer.Serialize(reference.Text)}:\n  expected {string.Join(',', reference.Ids)} ({string.Join(' ', reference.Tokens)})\n  actual   {string.Join(',', ids)}");
    }

    [Fact]
    public void Encode_480TokenText_TruncatedTo256WithClsAndSep()
    {
        var reference = Read(TestModels.TokenizerReference).Single(r => r.Ids.Length > 256);

        var ids = Default.Value.Encode(reference.Text);

        Assert.Equal(256, ids.Length);
        Assert.Equal(101, ids[0]);
        Assert.Equal(102, ids[^1]);
        Assert.Equal(reference.Ids[..255], ids[..255]);
        Assert.Equal(256, Default.Value.CountTokens(reference.Text));
    }

    [Fact]
    public void Encode_SpecialTokenAtTruncationPoint_StillEndsWithSingleSep()
    {
        var text = string.Join(' ', Enumerable.Repeat("word", 254)) + " [SEP] tail";

        var ids = Default.Value.Encode(text);

        Assert.Equal(256, ids.Length);
        Assert.Equal(102, ids[^1]);
        Assert.Equal(2773, ids[^2]);
    }

    [Fact]
    public void SpecialIds_AllMiniLmVocab_MatchBert() =>
        Assert.Equal((101, 102, 0, 100), (Default.Value.ClsId, Default.Value.SepId, Default.Value.PadId, Default.Value.UnknownId));

    [Theory]
    [InlineData("", 2)]
    [InlineData("A man is eating food.", 8)]
    public void CountTokens_Text_EqualsEncodedLength(string text, int expected) =>
        Assert.Equal(expected, Default.Value.CountTokens(text));
}
