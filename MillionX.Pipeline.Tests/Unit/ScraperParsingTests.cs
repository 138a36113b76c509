using Microsoft.Extensions.Time.Testing;
using MillionX.Pipeline.Stages.SocialScrapers;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class ScraperParsingTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Hashtags_MixedText_LowercasedDistinctInOrder()
    {
        Assert.Equal(["deal", "ঢাকা", "dhaka_delivery"], PostText.Hashtags("Eid #Deal on juta! #ঢাকা #deal #dhaka_delivery a&#39;b mail#x"));
    }

    [Fact]
    public void ProductMentions_EnglishAndBenglishWords_ReturnsGroups()
    {
        Assert.Equal(["juta", "shari"], PostText.ProductMentions("Notun JOOTA ar jamdani saree eseche"));
        Assert.Equal(["three piece"], PostText.ProductMentions("Eid special 3 piece collection"));
        Assert.Empty(PostText.ProductMentions("bagging shoelace phones"));
    }

    [Fact]
    public void ToRaw_CompleteCard_BuildsValidSocialPost()
    {
        var card = new ScrapedCard("https://www.tiktok.com/@shop.bd/video/7300000000000000000", "@shop.bd", "  Notun  sneaker\n #Dhaka  ", "1.2K", "2025-02-28T09:00:00Z", "<div>");
        var raw = SocialPostMapper.ToRaw(SocialPlatform.TikTok, card, Now);
        var result = new Contracts.RecordValidator(new Contracts.ValidationLimits(), new FixedClock(Now)).ValidateSocialPost(raw, "tiktok");
        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => e.Code)));
        var post = result.Value!;
        Assert.Equal("7300000000000000000", post.PostId);
        Assert.Equal("shop.bd", post.AuthorUsername);
        Assert.Equal("Notun sneaker #Dhaka", post.Content);
        Assert.Equal(1200, post.EngagementCount);
        Assert.Equal(new DateTimeOffset(2025, 2, 28, 9, 0, 0, TimeSpan.Zero), post.Timestamp);
        Assert.Equal(["dhaka"], post.Hashtags);
        Assert.Equal(["juta"], post.ProductMentions);
    }

    [Fact]
    public void HashtagsWithKeyword_KeywordFirstNormalisedAndNotRepeated()
    {
        Assert.Equal(["daraz deal", "eid", "darazdeal"], PostText.HashtagsWithKeyword("  Daraz   DEAL ", "Eid offer #eid #DarazDeal"));
        Assert.Equal(["eid", "sale"], PostText.HashtagsWithKeyword("#Eid", "#eid #sale"));
        Assert.Equal(["sale"], PostText.HashtagsWithKeyword(null, "#sale"));
        Assert.Equal(["eid"], PostText.HashtagsWithKeyword("eid", null));
        Assert.Empty(PostText.HashtagsWithKeyword("   ", null));
    }

    [Fact]
    public void ToRaw_KeywordAndConfiguredGroups_KeywordLeadsHashtagsAndGroupsReplaceDefaults()
    {
        var card = new ScrapedCard("https://www.tiktok.com/@shop.bd/video/7300000000000000000", "shop.bd", "Gamcha and jamdani #Eid", "12", null, null);
        var groups = new Dictionary<string, string[]> { ["towel"] = ["gamcha", "towel"] };

        var configured = Post(SocialPostMapper.ToRaw(SocialPlatform.TikTok, card, Now, "Online Shopping", groups));
        Assert.Equal(["online shopping", "eid"], configured.Hashtags);
        Assert.Equal(["towel"], configured.ProductMentions);

        // Without configured groups: the built-in ones (jamdani is a shari word there, gamcha is nothing).
        var defaults = Post(SocialPostMapper.ToRaw(SocialPlatform.TikTok, card, Now));
        Assert.Equal(["eid"], defaults.Hashtags);
        Assert.Equal(["shari"], defaults.ProductMentions);
    }

    private static SocialPost Post(byte[] raw)
    {
        var result = new Contracts.RecordValidator(new Contracts.ValidationLimits(), new FixedClock(Now)).ValidateSocialPost(raw, "tiktok");
        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => e.Code)));
        return result.Value!;
    }

    [Fact]
    public void ToRaw_NoTimeNoIdBadCount_OmitsFieldsAndUsesNow()
    {
        var raw = SocialPostMapper.ToRaw(SocialPlatform.Facebook, new ScrapedCard("https://www.facebook.com/page", "Page", "hello world", "lots", null, null), Now);
        using var doc = JsonDocument.Parse(raw);
        Assert.False(doc.RootElement.TryGetProperty("post_id", out _));
        Assert.False(doc.RootElement.TryGetProperty("engagement_count", out _));
        Assert.Equal(Now, doc.RootElement.GetProperty("timestamp").GetDateTimeOffset());
        Assert.Equal("facebook", doc.RootElement.GetProperty("platform").GetString());
    }

    [Fact]
    public void OriginAndSnippet_LongHtml_SnippetBoundedAndOriginWithoutHtml()
    {
        Assert.Equal("tiktok:daraz deal:http://x/search?q=daraz%20deal", SocialPostMapper.Origin(SocialPlatform.TikTok, "daraz deal", "http://x/search?q=daraz%20deal"));
        Assert.Equal(new string('a', SocialPostMapper.MaxHtmlSnippet), SocialPostMapper.Snippet(new string('a', 5000)));
        Assert.Equal("<p>x</p>", SocialPostMapper.Snippet("<p>x</p>"));
        Assert.Null(SocialPostMapper.Snippet(null));
    }

    [Theory]
    [InlineData(403, "Shop", "", false, PageVerdict.Blocked)]
    [InlineData(429, "", "", false, PageVerdict.Blocked)]
    [InlineData(200, "Access Denied", "", false, PageVerdict.Blocked)]
    [InlineData(200, "TikTok", "Please verify you are human to continue", false, PageVerdict.Captcha)]
    [InlineData(200, "Security Check", "", true, PageVerdict.Captcha)]
    [InlineData(200, "daraz deal - TikTok", "Top videos", false, PageVerdict.Ok)]
    public void Classify_Signals_ReturnsVerdict(int status, string title, string text, bool captcha, PageVerdict expected) =>
        Assert.Equal(expected, BlockDetector.Classify(new PageSignals(status, title, text, captcha)));

    [Fact]
    public void ProxyEndpoint_WithCredentials_SplitsAndHidesPassword()
    {
        Assert.True(ProxyEndpoint.TryParse("http://bob:s%40cret@10.0.0.1:3128", out var p));
        Assert.Equal("http://10.0.0.1:3128", p.Server);
        Assert.Equal("bob", p.Username);
        Assert.Equal("s@cret", p.Password);
        Assert.DoesNotContain("cret", p.ToString(), StringComparison.Ordinal);
        Assert.True(ProxyEndpoint.TryParse("direct", out var d) && d.IsDirect);
        Assert.False(ProxyEndpoint.TryParse("ftp://x:1", out _));
        Assert.False(ProxyEndpoint.TryParse("not a url", out _));
    }

    [Fact]
    public void IdentityRotator_DeadProxy_SkippedUntilCooldownEnds()
    {
        var clock = new FakeTimeProvider(Now);
        var o = new ScrapingOptions { Proxies = ["http://10.0.0.1:1", "http://10.0.0.2:2"], UserAgents = ["ua1", "ua2"], Viewports = ["800x600"], ProxyCooldown = TimeSpan.FromMinutes(5) };
        var r = new IdentityRotator(o, clock);
        var first = r.Next();
        Assert.Equal("http://10.0.0.1:1", first.Proxy.Server);
        Assert.Equal("ua1", first.UserAgent);
        r.CoolDown(first.Proxy);
        Assert.Equal("http://10.0.0.2:2", r.Next().Proxy.Server);
        Assert.Equal("http://10.0.0.2:2", r.Next().Proxy.Server);
        clock.Advance(TimeSpan.FromMinutes(6));
        var back = new[] { r.Next(), r.Next() }.Select(i => i.Proxy.Server).ToList();
        Assert.Contains("http://10.0.0.1:1", back);
        Assert.Equal((800, 600), (first.Width, first.Height));
    }

    [Fact]
    public void ScrapingOptions_Defaults_KeywordsAndValidation()
    {
        var o = new ScrapingOptions();
        Assert.Equal(5, o.KeywordsOrDefault().Count);
        Assert.Empty(o.Validate(new(o)));
        var bad = new ScrapingOptions { Proxies = ["http://u:hunter2@"], MinDelay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromSeconds(1) };
        var errors = bad.Validate(new(bad)).Select(e => e.ErrorMessage!).ToList();
        Assert.Equal(2, errors.Count);
        Assert.DoesNotContain(errors, e => e.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public void ApifyToCard_TikTokAndFacebookItems_MapToValidPosts()
    {
        using var tt = JsonDocument.Parse("""{"id":"7333333333333333333","text":"Daraz deal on #earbuds","authorMeta":{"name":"gadget.bd"},"diggCount":1500,"createTimeISO":"2025-02-27T08:00:00.000Z","webVideoUrl":"https://www.tiktok.com/@gadget.bd/video/7333333333333333333"}""");
        var t = ApifyClient.ToCard(SocialPlatform.TikTok, tt.RootElement);
        using var post = JsonDocument.Parse(SocialPostMapper.ToRaw(SocialPlatform.TikTok, t, Now));
        Assert.Equal("7333333333333333333", post.RootElement.GetProperty("post_id").GetString());
        Assert.Equal(1500, post.RootElement.GetProperty("engagement_count").GetInt64());
        Assert.Equal("gadget.bd", post.RootElement.GetProperty("author_username").GetString());

        using var fb = JsonDocument.Parse("""{"postId":"123451234512345","text":"Shari sale","user":{"name":"Dhaka Shop"},"likes":42,"time":"2025-02-27T08:00:00.000Z","url":"https://www.facebook.com/dhakashop/posts/123451234512345"}""");
        var f = ApifyClient.ToCard(SocialPlatform.Facebook, fb.RootElement);
        Assert.Equal("123451234512345", PostIdExtractor.Facebook(f.Url));
        Assert.Equal("42", f.Engagement);
        Assert.Equal("Dhaka Shop", f.Author);
        Assert.Contains("postId", Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(f.Html!)), StringComparison.Ordinal);
    }
}
