using MillionX.Pipeline.Stages.SocialScrapers;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class EngagementParserTests
{
    [Theory]
    [InlineData("1.2K", 1200L)]
    [InlineData("3.4M", 3_400_000L)]
    [InlineData("1.2B", 1_200_000_000L)]
    [InlineData("1,234", 1234L)]
    [InlineData("1,234,567", 1_234_567L)]
    [InlineData("১.২K", 1200L)]
    [InlineData("১২৩৪", 1234L)]
    [InlineData("12.5k likes", 12_500L)]
    [InlineData("987", 987L)]
    [InlineData(" 45 views ", 45L)]
    [InlineData("All reactions: 1.2K", 1200L)]
    [InlineData("2 M", 2_000_000L)]
    [InlineData("0", 0L)]
    public void Parse_ValidCounts_ReturnsWholeNumber(string text, long expected) => Assert.Equal(expected, EngagementParser.Parse(text));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("abc")]
    [InlineData("1.2.3K")]
    [InlineData("-5")]
    [InlineData("12,34")]
    [InlineData("1.5")]
    [InlineData("1.2345K")]
    [InlineData("5X")]
    [InlineData("1K2")]
    [InlineData("12 Mar 2024")]
    public void Parse_InvalidCounts_ReturnsNull(string? text) => Assert.Null(EngagementParser.Parse(text));
}
