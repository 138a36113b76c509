namespace MillionX.Pipeline.Tests.Unit;

public sealed class IngestReadLinesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("readlines-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private List<byte[]> Read(byte[] content)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.jsonl");
        File.WriteAllBytes(path, content);
        return IngestCommand.ReadLines(path).ToList();
    }

    private List<string> ReadText(string content) => Read(Encoding.UTF8.GetBytes(content)).Select(Encoding.UTF8.GetString).ToList();

    [Fact]
    public void ReadLines_LfSeparated_OneEntryPerLine()
    {
        Assert.Equal(["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"], ReadText("{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n"));
    }

    [Fact]
    public void ReadLines_CrLfSeparated_CrDropped()
    {
        Assert.Equal(["one", "two"], ReadText("one\r\ntwo\r\n"));
    }

    [Fact]
    public void ReadLines_MixedLineEndings_EachLineClean()
    {
        Assert.Equal(["one", "two", "three"], ReadText("one\r\ntwo\nthree\r\n"));
    }

    [Theory]
    [InlineData("one\ntwo")]
    [InlineData("one\r\ntwo")]
    [InlineData("one\ntwo\r")]
    public void ReadLines_LastLineWithoutNewline_Returned(string content)
    {
        Assert.Equal(["one", "two"], ReadText(content));
    }

    [Fact]
    public void ReadLines_EmptyAndBlankLines_KeptAsLines()
    {
        Assert.Equal(["a", "", "  ", "b"], ReadText("a\n\n  \r\nb\n"));
    }

    [Fact]
    public void ReadLines_EmptyFile_NoLines()
    {
        Assert.Empty(Read([]));
    }

    [Fact]
    public void ReadLines_CrInsideLine_Kept()
    {
        Assert.Equal(["a\rb"], ReadText("a\rb\n"));
    }

    [Fact]
    public void ReadLines_InvalidUtf8Bytes_PreservedExactly()
    {
        byte[] line1 = [0x7B, 0xC3, 0x28, 0xFF, 0xFE, 0x00, 0xED, 0xA0, 0x80, 0x7D];
        byte[] line2 = [0xEF, 0xBB, 0xBF, 0x7B, 0x7D];
        byte[] line3 = [0x80, 0x0D, 0x81];

        var lines = Read([.. line1, 0x0A, .. line2, 0x0D, 0x0A, .. line3]);

        Assert.Equal(3, lines.Count);
        Assert.Equal(line1, lines[0]);
        Assert.Equal(line2, lines[1]);
        Assert.Equal(line3, lines[2]);
    }

    [Theory]
    [InlineData(65_535)]
    [InlineData(65_536)]
    [InlineData(65_537)]
    [InlineData(200_000)]
    public void ReadLines_LinesAcrossBufferBoundary_Intact(int firstLineLength)
    {
        var first = new byte[firstLineLength];
        for (var i = 0; i < first.Length; i++)
        {
            first[i] = (byte)('a' + (i % 26));
        }

        var second = Enumerable.Repeat((byte)'z', 70_000).ToArray();
        byte[] third = [.. "{\"last\":true}"u8];

        var lines = Read([.. first, 0x0D, 0x0A, .. second, 0x0A, .. third]);

        Assert.Equal(3, lines.Count);
        Assert.Equal(first, lines[0]);
        Assert.Equal(second, lines[1]);
        Assert.Equal(third, lines[2]);
    }

    [Fact]
    public void ReadLines_CrLfSplitAcrossBufferBoundary_CrDropped()
    {
        var first = Enumerable.Repeat((byte)'q', 65_535).ToArray();

        var lines = Read([.. first, 0x0D, 0x0A, (byte)'x', 0x0A]);

        Assert.Equal(2, lines.Count);
        Assert.Equal(first, lines[0]);
        Assert.Equal("x"u8.ToArray(), lines[1]);
    }

    [Fact]
    public void ReadLines_ManyShortLinesSpanningSeveralBuffers_AllInOrder()
    {
        var expected = Enumerable.Range(0, 50_000).Select(i => $"{{\"i\":{i}}}").ToList();

        Assert.Equal(expected, ReadText(string.Join("\n", expected) + "\n"));
    }
}
