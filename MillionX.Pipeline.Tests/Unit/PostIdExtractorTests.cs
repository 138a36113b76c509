using MillionX.Pipeline.Stages.SocialScrapers;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class PostIdExtractorTests
{
    [Theory]
    [InlineData("https://www.tiktok.com/@shop.bd/video/7300000000000000000", "7300000000000000000")]
    [InlineData("https://www.tiktok.com/@shop.bd/video/7300000000000000001?is_from_webapp=1&lang=en", "7300000000000000001")]
    [InlineData("/@user_1/video/7212345678901234567", "7212345678901234567")]
    [InlineData("https://www.tiktok.com/@user/photo/7311111111111111111", "7311111111111111111")]
    [InlineData("https://www.tiktok.com/video/7322222222222222222", "7322222222222222222")]
    public void TikTok_VideoUrls_ReturnsNumericId(string url, string expected) => Assert.Equal(expected, PostIdExtractor.TikTok(url));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("https://www.tiktok.com/@user")]
    [InlineData("https://www.tiktok.com/@user/video/")]
    [InlineData("https://www.tiktok.com/@user/video/abc")]
    [InlineData("https://www.tiktok.com/search?q=1700000000")]
    [InlineData("javascript:void(0)")]
    public void TikTok_NoId_ReturnsNull(string? url) => Assert.Null(PostIdExtractor.TikTok(url));

    [Theory]
    [InlineData("https://www.facebook.com/dhakashop/posts/123456789012345", "123456789012345")]
    [InlineData("https://www.facebook.com/dhakashop/posts/pfbid02Abc123XyZ987qweRTY", "pfbid02Abc123XyZ987qweRTY")]
    [InlineData("https://www.facebook.com/permalink.php?story_fbid=987654321098765&id=100064", "987654321098765")]
    [InlineData("https://www.facebook.com/permalink.php?story_fbid=pfbid0Zz9Yy8Xx7Ww6&id=100064", "pfbid0Zz9Yy8Xx7Ww6")]
    [InlineData("https://www.facebook.com/photo/?fbid=555666777888999&set=a.1", "555666777888999")]
    [InlineData("https://www.facebook.com/photo.php?fbid=555666777888000", "555666777888000")]
    [InlineData("https://www.facebook.com/groups/bdshop/permalink/444555666777888/", "444555666777888")]
    [InlineData("/dhakashop/posts/123456789012399?__cft__[0]=AZ", "123456789012399")]
    public void Facebook_PostUrls_ReturnsPlatformId(string url, string expected) => Assert.Equal(expected, PostIdExtractor.Facebook(url));

    [Theory]
    [InlineData(null)]
    [InlineData("https://www.facebook.com/dhakashop")]
    [InlineData("https://www.facebook.com/dhakashop/posts/")]
    [InlineData("https://www.facebook.com/search/posts?q=daraz&t=1700000000")]
    [InlineData("https://www.facebook.com/dhakashop/posts/abc")]
    public void Facebook_NoId_ReturnsNull(string? url) => Assert.Null(PostIdExtractor.Facebook(url));
}
