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
}
