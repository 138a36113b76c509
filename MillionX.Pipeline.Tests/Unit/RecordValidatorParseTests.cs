using static MillionX.Pipeline.Tests.Unit.RawRecords;

namespace MillionX.Pipeline.Tests.Unit;

/// <summary>Rules applied before any field is read: size, encoding, JSON syntax, shape.</summary>
public sealed class RecordValidatorParseTests
{
    private readonly RecordValidator _validator = Validator();

    private static void AssertSingleRootError<T>(ValidationResult<T> result, string code)
        where T : class
    {
        Assert.False(result.IsValid);
        Assert.Null(result.Value);
        var error = Assert.Single(result.Errors);
        Assert.Equal("$", error.Path);
        Assert.Equal(code, error.Code);
        Assert.Equal(code, result.Reason);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void ValidateSocialPost_BaselineRecord_IsAccepted()
    {
        var result = _validator.ValidateSocialPost(Post(), "tiktok");

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Empty(result.Errors);
        Assert.Null(result.Reason);
    }

    [Fact]
    public void ValidateSocialPost_LargerThanMaxRecordBytes_Oversized()
    {
        var raw = Post(("content", Str(new string('x', 300 * 1024))));
        Assert.True(raw.Length > new ValidationLimits().MaxRecordBytes);

        AssertSingleRootError(_validator.ValidateSocialPost(raw), ReasonCodes.Oversized);
    }

    [Fact]
    public void ValidateSocialPost_ExactlyMaxRecordBytes_IsNotOversized()
    {
        var limits = new ValidationLimits { MaxRecordBytes = 1024 };
        var baseline = Post(("content", Str("")));
        var padding = 1024 - baseline.Length;
        var raw = Post(("content", Str(new string('x', padding))));
        Assert.Equal(1024, raw.Length);

        Assert.True(Validator(limits).ValidateSocialPost(raw).IsValid);
        AssertSingleRootError(Validator(limits).ValidateSocialPost(Post(("content", Str(new string('x', padding + 1))))), ReasonCodes.Oversized);
    }

    [Fact]
    public void ValidateSocialPost_InvalidUtf8Bytes_InvalidUtf8()
    {
        var raw = Post(("content", Str("Jamdani Shari matro 4500 taka")));
        var i = Array.IndexOf(raw, (byte)'J');
        raw[i] = 0xC3;
        raw[i + 1] = 0x28;

        AssertSingleRootError(_validator.ValidateSocialPost(raw), ReasonCodes.InvalidUtf8);
    }

    [Fact]
    public void ValidateMarketOrder_EncodedSurrogateHalf_InvalidUtf8()
    {
        var text = Text(Order(("product_name", "\"Shari XYZ\"")));
        var raw = Encoding.UTF8.GetBytes(text).ToList();
        var at = text.IndexOf("XYZ", StringComparison.Ordinal);
        raw.RemoveRange(at, 3);
        raw.InsertRange(at, [0xED, 0xA0, 0x80]);

        AssertSingleRootError(_validator.ValidateMarketOrder([.. raw]), ReasonCodes.InvalidUtf8);
    }

    [Theory]
    [InlineData("{\"platform\":\"tiktok\",\"post_id\":\"1")]
    [InlineData("{\"platform\":\"tiktok\",\"post_id\":\"1\"")]
    [InlineData("{\"platform\":\"tiktok\",\"engagement_count\":12")]
    [InlineData("{\"platform\":\"tiktok\",\"hashtags\":[\"a\"]")]
    [InlineData("{\"platform\":\"tiktok\",")]
    [InlineData("{")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{\"platform\":tiktok}")]
    [InlineData("{\"platform\":\"tiktok\"} trailing")]
    [InlineData("{\"platform\":\"tiktok\",}")]
    public void ValidateSocialPost_TruncatedOrMalformedJson_MalformedJson(string json)
    {
        AssertSingleRootError(_validator.ValidateSocialPost(Encoding.UTF8.GetBytes(json)), ReasonCodes.MalformedJson);
    }

    [Fact]
    public void ValidateSocialPost_AnyProperPrefixOfValidRecord_MalformedJson()
    {
        var raw = Post();

        for (var cut = 1; cut < raw.Length; cut++)
        {
            var result = _validator.ValidateSocialPost(raw.AsSpan(0, cut));
            Assert.Equal(ReasonCodes.MalformedJson, Assert.Single(result.Errors).Code);
        }
    }

    [Theory]
    [InlineData("[{\"platform\":\"tiktok\"}]")]
    [InlineData("\"just a string\"")]
    [InlineData("42")]
    [InlineData("true")]
    [InlineData("null")]
    public void ValidateWeather_TopLevelNotAnObject_NotAnObject(string json)
    {
        AssertSingleRootError(_validator.ValidateWeather(Encoding.UTF8.GetBytes(json)), ReasonCodes.NotAnObject);
    }

    [Fact]
    public void ValidateMarketOrder_DuplicatedKey_DuplicateKey()
    {
        var raw = Encoding.UTF8.GetBytes(Text(Order()).TrimEnd('}') + ",\"price\":1}");

        AssertSingleRootError(_validator.ValidateMarketOrder(raw), ReasonCodes.DuplicateKey);
    }

    [Fact]
    public void ValidateSocialPost_DuplicatedKeyInNestedObject_DuplicateKey()
    {
        var raw = Post(("extra", "{\"a\":1,\"a\":2}"));

        AssertSingleRootError(_validator.ValidateSocialPost(raw), ReasonCodes.DuplicateKey);
    }

    [Fact]
    public void ValidateSocialPost_NestingDeeperThanMaxJsonDepth_TooDeep()
    {
        var depth = new ValidationLimits().MaxJsonDepth;
        var raw = Post(("extra", new string('[', depth) + new string(']', depth)));

        AssertSingleRootError(_validator.ValidateSocialPost(raw), ReasonCodes.TooDeep);
    }

    [Fact]
    public void ValidateSocialPost_NestingAtMaxJsonDepth_IsAccepted()
    {
        var depth = new ValidationLimits().MaxJsonDepth;
        var raw = Post(("extra", new string('[', depth - 1) + new string(']', depth - 1)));

        Assert.True(_validator.ValidateSocialPost(raw).IsValid);
    }

    [Fact]
    public void ValidateSocialPost_Utf8Bom_IsAccepted()
    {
        byte[] raw = [0xEF, 0xBB, 0xBF, .. Post()];

        var result = _validator.ValidateSocialPost(raw);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal("7300000000000000001", result.Value!.PostId);
    }

    [Fact]
    public void ValidateSocialPost_BomOnly_MalformedJson()
    {
        AssertSingleRootError(_validator.ValidateSocialPost([0xEF, 0xBB, 0xBF]), ReasonCodes.MalformedJson);
    }

    [Fact]
    public void ValidateSocialPost_UnknownExtraFields_AreIgnored()
    {
        var result = _validator.ValidateSocialPost(Post(("scraped_by", "\"bot-3\""), ("views", "{\"a\":1}")));

        Assert.True(result.IsValid);
    }
}
