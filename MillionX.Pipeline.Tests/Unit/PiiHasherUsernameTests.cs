using MillionX.Pipeline.Privacy;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class PiiHasherUsernameTests
{
    [Theory]
    [InlineData("@Rahim_Uddin")]
    [InlineData("rahim_uddin")]
    [InlineData("  @@RAHIM_UDDIN ")]
    [InlineData("＠Ｒａｈｉｍ＿Ｕｄｄｉｎ")]
    [InlineData("Ｒａｈｉｍ_uddin\u3000")]
    public void HashUser_SpellingsOfOneAccount_HashAlike(string spelling) =>
        Assert.Equal(TestConfig.Hasher.HashUser("rahim_uddin"), TestConfig.Hasher.HashUser(spelling));

    [Fact]
    public void HashUser_DifferentAccounts_DifferentHashes() =>
        Assert.NotEqual(TestConfig.Hasher.HashUser("rahim_uddin"), TestConfig.Hasher.HashUser("rahim.uddin"));

    [Fact]
    public void NormaliseUsername_FullWidthAt_DroppedLikeAscii() => Assert.Equal("karim", PiiHasher.NormaliseUsername("＠Karim"));

    [Theory]
    [InlineData("@Rahim_01")]
    [InlineData("＠ＲＡＨＩＭ_01")]
    [InlineData("＠ＲＡＨＩＭ＿０１")]
    [InlineData("rahim_01")]
    [InlineData("𝐫𝐚𝐡𝐢𝐦_𝟎𝟏")] // mathematical bold, digits too
    [InlineData("@𝑹𝒂𝒉𝒊𝒎_01")] // bold italic
    [InlineData("𝓡𝓪𝓱𝓲𝓶_01")] // bold script
    [InlineData("𝚛𝚊𝚑𝚒𝚖_01")] // monospace
    [InlineData("ℛ𝒶𝒽𝒾𝓂_01")] // script, its capital R from Letterlike Symbols
    [InlineData("Ⓡⓐⓗⓘⓜ_01")] // circled
    [InlineData("ra\u200Dhi\u00ADm_01")] // zero-width joiner, soft hyphen
    [InlineData("\u200Frahim_01\uFE0F")] // bidi mark, variation selector
    [InlineData("rahim﹏01")] // wavy low line
    [InlineData("rahim_০১")] // Bengali digits
    public void HashUser_CompatibilityAndInvisibleForms_HashLikeThePlainHandle(string spelling) =>
        Assert.Equal(TestConfig.Hasher.HashUser("rahim_01"), TestConfig.Hasher.HashUser(System.Text.RegularExpressions.Regex.Unescape(spelling)));

    [Theory]
    [InlineData("jos\u00E9", "jose\u0301")] // precomposed é, e + combining acute
    [InlineData("\u09B0\u09CB\u09B8\u09A8\u09BE", "\u09B0\u09C7\u09BE\u09B8\u09A8\u09BE")] // রোসনা: ো in one or two code points
    [InlineData("\u09AE\u09DF\u09C2\u09B0", "\u09AE\u09AF\u09BC\u09C2\u09B0")] // ময়ূর: য় precomposed or with nukta
    public void HashUser_CanonicallyEquivalentSpellings_HashAlike(string composed, string decomposed) =>
        Assert.Equal(
            TestConfig.Hasher.HashUser(System.Text.RegularExpressions.Regex.Unescape(composed)),
            TestConfig.Hasher.HashUser(System.Text.RegularExpressions.Regex.Unescape(decomposed)));

    [Theory]
    [InlineData("rahim_01", "rahim_02")]
    [InlineData("rahim_01", "rahim.01")]
    [InlineData("রহিম", "করিম")]
    public void HashUser_DifferentHandles_StillDiffer(string a, string b) =>
        Assert.NotEqual(TestConfig.Hasher.HashUser(a), TestConfig.Hasher.HashUser(b));

    [Fact]
    public void NormaliseUsername_BengaliHandle_KeptApartFromCaseAndTrim() =>
        Assert.Equal("রহিম", PiiHasher.NormaliseUsername(" ＠রহিম "));
}
