using static MillionX.Pipeline.Tests.Unit.RawRecords;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class SocialPostValidationTests
{
    private readonly RecordValidator _validator = Validator();

    private (string Path, string Code) SingleProblem(byte[] raw, string? expectedPlatform = null)
    {
        var result = _validator.ValidateSocialPost(raw, expectedPlatform);
        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        return (error.Path, error.Code);
    }

    private SocialPost Accepted(byte[] raw, string? expectedPlatform = null)
    {
        var result = _validator.ValidateSocialPost(raw, expectedPlatform);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        return result.Value!;
    }

    [Fact]
    public void ValidateSocialPost_ValidRecord_MapsEveryField()
    {
        var post = Accepted(Post(), "tiktok");

        Assert.Equal("tiktok", post.Platform);
        Assert.Equal("7300000000000000001", post.PostId);
        Assert.Equal("shop_dhaka", post.AuthorUsername);
        Assert.Equal("Eid er jonno notun collection eshe geche!", post.Content);
        Assert.Equal(1200, post.EngagementCount);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), post.Timestamp);
        Assert.Equal(["#dhaka", "#eid"], post.Hashtags);
        Assert.Equal(["shari"], post.ProductMentions);
    }

    [Theory]
    [InlineData("platform")]
    [InlineData("post_id")]
    [InlineData("author_username")]
    [InlineData("content")]
    [InlineData("engagement_count")]
    [InlineData("timestamp")]
    public void ValidateSocialPost_RequiredFieldMissing_MissingField(string field)
    {
        Assert.Equal(("$." + field, ReasonCodes.MissingField), SingleProblem(Post((field, null)), "tiktok"));
    }

    /// <summary>A required field null or blank is missing; a value of another JSON type is the wrong type: one problem, at that field.</summary>
    [Theory]
    [InlineData("platform", "null", ReasonCodes.MissingField)]
    [InlineData("post_id", "null", ReasonCodes.MissingField)]
    [InlineData("author_username", "null", ReasonCodes.MissingField)]
    [InlineData("content", "null", ReasonCodes.MissingField)]
    [InlineData("engagement_count", "null", ReasonCodes.MissingField)]
    [InlineData("timestamp", "null", ReasonCodes.MissingField)]
    [InlineData("post_id", "\"   \"", ReasonCodes.MissingField)]
    [InlineData("author_username", "\"\"", ReasonCodes.MissingField)]
    [InlineData("content", "\" \\t \\n \"", ReasonCodes.MissingField)]
    [InlineData("platform", "7", ReasonCodes.WrongType)]
    [InlineData("post_id", "7300000000000000001", ReasonCodes.WrongType)]
    [InlineData("post_id", "{\"id\":1}", ReasonCodes.WrongType)]
    [InlineData("author_username", "[\"a\"]", ReasonCodes.WrongType)]
    [InlineData("content", "true", ReasonCodes.WrongType)]
    [InlineData("engagement_count", "\"1200\"", ReasonCodes.WrongType)]
    [InlineData("engagement_count", "12.5", ReasonCodes.WrongType)]
    [InlineData("engagement_count", "false", ReasonCodes.WrongType)]
    [InlineData("timestamp", "true", ReasonCodes.WrongType)]
    [InlineData("timestamp", "{\"unexpected\":true}", ReasonCodes.WrongType)]
    [InlineData("hashtags", "\"#dhaka\"", ReasonCodes.WrongType)]
    [InlineData("product_mentions", "{\"a\":1}", ReasonCodes.WrongType)]
    public void ValidateSocialPost_NullBlankOrWrongTypeValue_OneProblemAtThatField(string field, string value, string code)
    {
        Assert.Equal(("$." + field, code), SingleProblem(Post((field, value))));
    }

    [Fact]
    public void ValidateSocialPost_HashtagsAndMentionsMissing_AcceptedAsEmpty()
    {
        var post = Accepted(Post(("hashtags", null), ("product_mentions", "null")));

        Assert.Empty(post.Hashtags);
        Assert.Empty(post.ProductMentions);
    }

    [Theory]
    [InlineData("tiktok", "tiktok")]
    [InlineData("facebook", "facebook")]
    [InlineData("TikTok", "tiktok")]
    [InlineData(" FACEBOOK ", "facebook")]
    public void ValidateSocialPost_KnownPlatform_NormalisedToLowercase(string given, string expected)
    {
        Assert.Equal(expected, Accepted(Post(("platform", Str(given)))).Platform);
    }

    [Theory]
    [InlineData("instagram")]
    [InlineData("shopify")]
    [InlineData("tik tok")]
    public void ValidateSocialPost_UnknownPlatform_InvalidValue(string platform)
    {
        Assert.Equal(("$.platform", ReasonCodes.InvalidValue), SingleProblem(Post(("platform", Str(platform)))));
    }

    [Fact]
    public void ValidateSocialPost_PlatformDiffersFromSource_PlatformMismatch()
    {
        Assert.Equal(("$.platform", ReasonCodes.PlatformMismatch), SingleProblem(Post(), "facebook"));
        Assert.Equal("facebook", Accepted(Post(("platform", "\"Facebook\"")), "facebook").Platform);
    }

    [Fact]
    public void ValidateSocialPost_PlatformMissingWithExpectedPlatform_OnlyMissingField()
    {
        Assert.Equal(("$.platform", ReasonCodes.MissingField), SingleProblem(Post(("platform", null)), "facebook"));
    }

    [Theory]
    [InlineData("a b c d")]
    [InlineData("abcd")]
    [InlineData("  a  b  \n c \t d  ")]
    [InlineData("\u200Ba\u200Bb\u200Bc\u200Bd\u200B")]
    public void ValidateSocialPost_ContentWithFewerThanFiveNonBlankChars_TooShort(string content)
    {
        Assert.Equal(("$.content", ReasonCodes.TooShort), SingleProblem(Post(("content", Str(content)))));
    }

    [Theory]
    [InlineData("ab cd e")]
    [InlineData("abcde")]
    [InlineData("দাম কত?")]
    public void ValidateSocialPost_ContentWithFiveNonBlankChars_IsAccepted(string content)
    {
        Assert.Equal(content, Accepted(Post(("content", Str(content)))).Content);
    }

    [Fact]
    public void ValidateSocialPost_ContentWithSurroundingWhitespace_IsTrimmed()
    {
        Assert.Equal("hello world", Accepted(Post(("content", Str("  hello world \n")))).Content);
    }

    [Fact]
    public void ValidateSocialPost_MultilineContentWithTabs_IsKept()
    {
        Assert.Equal("line one\nline\ttwo\r\nthree", Accepted(Post(("content", Str("line one\nline\ttwo\r\nthree")))).Content);
    }

    [Fact]
    public void ValidateSocialPost_ZeroWidthSpaceInContent_IsStripped()
    {
        Assert.Equal("shari matro 4500 taka", Accepted(Post(("content", Str("sha\u200Bri matro\u2060 4500 \uFEFFtaka")))).Content);
    }

    [Theory]
    [InlineData("র\u200D্যাব অফার চলছে")]
    [InlineData("family 👨\u200D👩\u200D👧 deal")]
    [InlineData("ক্\u200Cষ special")]
    public void ValidateSocialPost_ZeroWidthJoinersInContent_AreKept(string content)
    {
        var post = Accepted(Post(("content", Str(content))));

        Assert.Equal(content, post.Content);
    }

    [Theory]
    [InlineData("post_id", "7300\u200B0001")]
    [InlineData("post_id", "7300\u00000001")]
    [InlineData("post_id", "7300\u00070001")]
    [InlineData("post_id", "7300\n0001")]
    [InlineData("post_id", "7300\u202E1000")]
    [InlineData("post_id", "7300\u20660001")]
    [InlineData("post_id", "7300\u20600001")]
    [InlineData("post_id", "7300\uFEFF0001")]
    [InlineData("author_username", "shop\u200Bdhaka")]
    [InlineData("author_username", "shop\u202Edhaka")]
    [InlineData("content", "price \u202E0054 taka")]
    [InlineData("content", "bell \u0007 in content")]
    [InlineData("content", "nul \u0000 in content")]
    public void ValidateSocialPost_ControlOrInvisibleChars_InvalidChars(string field, string value)
    {
        Assert.Equal(("$." + field, ReasonCodes.InvalidChars), SingleProblem(Post((field, Str(value)))));
    }

    [Fact]
    public void ValidateSocialPost_StringsAtTheirLengthLimits_AreAccepted()
    {
        var limits = new ValidationLimits();
        var post = Accepted(Post(
            ("post_id", Str(new string('1', limits.MaxIdLength))),
            ("author_username", Str(new string('u', limits.MaxUsernameLength))),
            ("content", Str(new string('c', limits.MaxContentLength)))));

        Assert.Equal(limits.MaxIdLength, post.PostId.Length);
        Assert.Equal(limits.MaxUsernameLength, post.AuthorUsername.Length);
        Assert.Equal(limits.MaxContentLength, post.Content.Length);
    }

    [Theory]
    [InlineData("post_id", 129)]
    [InlineData("author_username", 101)]
    [InlineData("content", 20_001)]
    public void ValidateSocialPost_StringOverItsLimit_TooLong(string field, int length)
    {
        Assert.Equal(("$." + field, ReasonCodes.TooLong), SingleProblem(Post((field, Str(new string('x', length))))));
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("250000", 250_000L)]
    [InlineData("100000000000", 100_000_000_000L)]
    public void ValidateSocialPost_EngagementInRange_IsAccepted(string value, long expected)
    {
        Assert.Equal(expected, Accepted(Post(("engagement_count", value))).EngagementCount);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("100000000001")]
    [InlineData("9223372036854775807")]
    [InlineData("99999999999999999999999")]
    [InlineData("1e30")]
    [InlineData("-1e30")]
    public void ValidateSocialPost_EngagementNegativeOrHuge_OutOfRange(string value)
    {
        Assert.Equal(("$.engagement_count", ReasonCodes.OutOfRange), SingleProblem(Post(("engagement_count", value))));
    }

    [Fact]
    public void ValidateSocialPost_BlankHashtags_AreDroppedAndOthersTrimmed()
    {
        Assert.Equal(["#dhaka", "#eid"], Accepted(Post(("hashtags", "[\" #dhaka \",\"\",\"  \",\"#eid\"]"))).Hashtags);
    }

    [Fact]
    public void ValidateSocialPost_NonStringHashtagItem_WrongTypeAtItemPath()
    {
        Assert.Equal(("$.hashtags[1]", ReasonCodes.WrongType), SingleProblem(Post(("hashtags", "[\"#ok\",5,\"#fine\"]"))));
    }

    [Fact]
    public void ValidateSocialPost_HashtagTooLongOrInvisible_ReportedPerItem()
    {
        var result = _validator.ValidateSocialPost(Post(("product_mentions", $"[{Str(new string('x', 101))},\"ok\",{Str("sh\u200Bari")}]")));

        Assert.Equal(
            [("$.product_mentions[0]", ReasonCodes.TooLong), ("$.product_mentions[2]", ReasonCodes.InvalidChars)],
            Problems(result));
    }

    [Fact]
    public void ValidateSocialPost_MoreHashtagsThanMaxTagCount_TooMany()
    {
        var tags = "[" + string.Join(",", Enumerable.Range(0, 101).Select(i => $"\"#t{i}\"")) + "]";

        Assert.Equal(("$.hashtags", ReasonCodes.TooMany), SingleProblem(Post(("hashtags", tags))));
        Assert.Equal(100, Accepted(Post(("hashtags", "[" + string.Join(",", Enumerable.Range(0, 100).Select(i => $"\"#t{i}\"")) + "]"))).Hashtags.Count);
    }

    [Fact]
    public void ValidateSocialPost_SeveralProblems_ReportsEveryOneWithItsPath()
    {
        var raw = Post(
            ("platform", "\"instagram\""),
            ("post_id", null),
            ("content", "\"a b\""),
            ("engagement_count", "-5"),
            ("timestamp", "\"2026-11-24T09:00:00\""),
            ("hashtags", "\"#one\""));

        var result = _validator.ValidateSocialPost(raw, "tiktok");

        Assert.False(result.IsValid);
        Assert.Equal(6, result.Errors.Count);
        Assert.Equal(
            [
                ("$.platform", ReasonCodes.InvalidValue),
                ("$.post_id", ReasonCodes.MissingField),
                ("$.content", ReasonCodes.TooShort),
                ("$.engagement_count", ReasonCodes.OutOfRange),
                ("$.timestamp", ReasonCodes.InvalidTimestamp),
                ("$.hashtags", ReasonCodes.WrongType),
            ],
            Problems(result));
        Assert.Equal(ReasonCodes.InvalidValue, result.Reason);
        Assert.All(result.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
    }
}
