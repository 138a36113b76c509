using MillionX.Pipeline.Privacy;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class PiiScrubberTests
{
    private static readonly PiiHasher Hasher = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray(), "k1");
    private static readonly PiiScrubber Scrubber = new(Hasher);
    private static readonly string Expected = "PHONE_" + Hasher.HashPhone("8801712345678");

    [Theory]
    [InlineData("01712345678")]
    [InlineData("+8801712345678")]
    [InlineData("8801712345678")]
    [InlineData("008801712345678")]
    [InlineData("+88 01712345678")]
    [InlineData("+88-01712-345678")]
    [InlineData("+880 1712-345678")]
    [InlineData("+880 1712 345 678")]
    [InlineData("(+880) 1712-345678")]
    [InlineData("+880-17-1234-5678")]
    [InlineData("017-1234-5678")]
    [InlineData("01712 345 678")]
    [InlineData("01712-345678")]
    [InlineData("017.1234.5678")]
    [InlineData("(017) 1234 5678")]
    [InlineData("০১৭১২৩৪৫৬৭৮")]
    [InlineData("+৮৮০১৭১২৩৪৫৬৭৮")]
    [InlineData("০১৭১২-৩৪৫৬৭৮")]
    [InlineData("०१७१२३४५६७८")]
    [InlineData("٠١٧١٢٣٤٥٦٧٨")]
    [InlineData("０１７１２３４５６７８")]
    [InlineData("01712৩৪৫৬৭৮")]
    public void Scrub_EveryWrittenFormOfOneNumber_YieldsTheSameToken(string phone)
    {
        var text = $"amar number {phone} e call koren";
        var scrubbed = Scrubber.Scrub(text);
        Assert.Equal($"amar number {Expected} e call koren", scrubbed);
    }

    [Theory]
    [InlineData("inbox koren ba call din01812345678ekhoni", "8801812345678")]
    [InlineData("Call:01912345678.", "8801912345678")]
    [InlineData("bkash 01312345678, nagad 01412345678", "8801312345678")]
    public void Scrub_NumbersInsideBenglishText_AreReplaced(string text, string canonical)
    {
        var scrubbed = Scrubber.Scrub(text);
        Assert.Contains("PHONE_" + Hasher.HashPhone(canonical), scrubbed, StringComparison.Ordinal);
        Assert.Empty(PiiScrubber.FindPhones(scrubbed));
    }

    [Theory]
    [InlineData("01512345678")]
    [InlineData("01612345678")]
    [InlineData("01312345678")]
    [InlineData("01412345678")]
    [InlineData("01912345678")]
    [InlineData("01812345678")]
    public void FindPhones_EveryOperator13To19_IsFound(string phone) =>
        Assert.Equal(["880" + phone[1..]], PiiScrubber.FindPhones(phone));

    [Theory]
    [InlineData("Price 21999 taka, discount 1500")]
    [InlineData("Order SH-42-1007 placed on 2026-11-24 at 10:30")]
    [InlineData("date 24.11.2026 and 24/11/2026")]
    [InlineData("order id 017123456789 (12 digits)")]
    [InlineData("tracking 2017123456789")]
    [InlineData("01212345678 is not an operator")]
    [InlineData("01112345678 neither")]
    [InlineData("0171234567 is one digit short")]
    [InlineData("Tk 1,250.50 only; stock 0017 units")]
    [InlineData("invoice 88017123456")]
    [InlineData("card 4111 1111 1111 1111")]
    public void Scrub_DigitRunsThatAreNotPhones_AreLeftAlone(string text) => Assert.Equal(text, Scrubber.Scrub(text));

    [Theory]
    [InlineData("mail me at Rahim.Uddin+shop@Gmail.com please", "rahim.uddin+shop@gmail.com")]
    [InlineData("email:shop_bd@yahoo.co.uk.", "shop_bd@yahoo.co.uk")]
    [InlineData("(contact@daraz.com.bd)", "contact@daraz.com.bd")]
    public void Scrub_Emails_AreReplacedCaseInsensitively(string text, string normalised)
    {
        var scrubbed = Scrubber.Scrub(text);
        Assert.Contains("EMAIL_" + Hasher.HashEmail(normalised), scrubbed, StringComparison.Ordinal);
        Assert.DoesNotContain("@", scrubbed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("thanks @rahim_shop for the review", "rahim_shop")]
    [InlineData("@Fatema.Style ke tag korlam", "fatema.style")]
    [InlineData("dekhun (@shopbd123)!", "shopbd123")]
    public void Scrub_Mentions_BecomeUserTokensMatchingAuthorHashes(string text, string user)
    {
        var scrubbed = Scrubber.Scrub(text);
        Assert.Contains("USER_" + Hasher.HashUser(user), scrubbed, StringComparison.Ordinal);
        Assert.Equal(Hasher.HashUser("@" + user.ToUpperInvariant()), Hasher.HashUser(user));
        Assert.DoesNotContain("@", scrubbed, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrub_MixedText_ReplacesAllAndKeepsTheRest()
    {
        var text = "Eid offer! Shari 4500 taka. Call 01712-345678 or mail a.b@c.com, thanks @rahim #eid";
        var scrubbed = Scrubber.Scrub(text);
        Assert.StartsWith("Eid offer! Shari 4500 taka. Call PHONE_k1_", scrubbed, StringComparison.Ordinal);
        Assert.Contains(" or mail EMAIL_k1_", scrubbed, StringComparison.Ordinal);
        Assert.Contains(", thanks USER_k1_", scrubbed, StringComparison.Ordinal);
        Assert.EndsWith(" #eid", scrubbed, StringComparison.Ordinal);
        Assert.DoesNotContain("345678", scrubbed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("+880 1712-345678")]
    [InlineData("০১৭১২৩৪৫৬৭৮")]
    [InlineData("01712345678")]
    public void HashContact_PhoneForms_HashAlike(string phone) =>
        Assert.Equal(Hasher.HashPhone("8801712345678"), Scrubber.HashContact(phone));

    [Fact]
    public void HashContact_EmailOrUnknown_IsStillHashedNeverRaw()
    {
        Assert.Equal(Hasher.HashEmail("a@b.com"), Scrubber.HashContact("A@B.com"));
        var odd = Scrubber.HashContact("+1 (415) 555-0100");
        Assert.StartsWith("k1_", odd, StringComparison.Ordinal);
        Assert.DoesNotContain("555", odd, StringComparison.Ordinal);
    }

    [Fact]
    public void Hash_KeyedAndDomainSeparated()
    {
        var other = new PiiHasher(Enumerable.Range(2, 32).Select(i => (byte)i).ToArray(), "k2");
        Assert.NotEqual(Hasher.HashPhone("8801712345678")[3..], other.HashPhone("8801712345678")[3..]);
        Assert.StartsWith("k2_", other.HashPhone("8801712345678"), StringComparison.Ordinal);
        Assert.NotEqual(Hasher.Hash(PiiKind.User, "x"), Hasher.Hash(PiiKind.Email, "x"));
        Assert.Equal(3 + PiiHasher.HexChars, Hasher.HashPhone("8801712345678").Length);
        Assert.Matches("^k1_[0-9a-f]{24}$", Hasher.HashEmail("a@b.com"));
    }

    [Theory]
    [InlineData("price 1250 taka, order 55 pcs, size 42", true)] // 10 digits, no number among them: returned as is
    [InlineData("no contact here, just #eid and #offer", true)]
    [InlineData("017১২৩৪৫৬৭৮ e call", false)] // mixed scripts, 11 digits
    [InlineData("call 01712345678", false)]
    [InlineData("mail me a@b.com", false)]
    [InlineData("ask @rahim_bd", false)]
    public void Scrub_FastPaths_SkipOnlyTextsThatCannotHoldPii(string text, bool unchanged)
    {
        var scrubbed = Scrubber.Scrub(text);
        Assert.Equal(unchanged, ReferenceEquals(text, scrubbed));
        if (!unchanged)
        {
            Assert.Matches("(PHONE|EMAIL|USER)_k1_[0-9a-f]{24}", scrubbed);
        }
    }

    [Fact]
    public void CountDigits_EveryScript_CountedAsThePatternsDigitClassDoes()
    {
        // The scanner folds every decimal digit, so the pre-check counts them all (an astral one, a surrogate pair, as
        // one) and never skips a text the scanner could match.
        Assert.Equal(11, PiiScrubber.CountDigits("০১৭১২৩৪৫৬৭৮"));
        Assert.Equal(11, PiiScrubber.CountDigits("𝟎𝟏𝟕𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖"));
        Assert.Equal(11, PiiScrubber.CountDigits("0️⃣1️⃣7️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣"));
        Assert.Equal(22, PiiScrubber.CountDigits("call 0171 2345 678 or 0181 2345 678, thanks")); // past one 16-char vector
        Assert.Equal(8, PiiScrubber.CountDigits("\u0968\u0969\u096A\u096B\u096C\u096D\u096E\u096F"));
        Assert.Equal(3, PiiScrubber.CountDigits("a1b2c3 ½ Ⅻ"));
    }

    [Theory]
    [InlineData("०१७१२३४५६७८")]
    [InlineData("٠١٧١٢٣٤٥٦٧٨")]
    [InlineData("０１７１２３４５６７８")]
    public void HashContact_DigitsOfAnyScript_HashAsTheAsciiNumberDoes(string phone) =>
        Assert.Equal(Scrubber.HashContact("01712345678"), Scrubber.HashContact(phone));

    [Fact]
    public void AsciiDigits_MapsEveryScriptsDigitsOneToOne_AndLeavesTheRest()
    {
        Assert.Equal("0123456789 x 0123456789 ক", PiiScrubber.AsciiDigits("০১২৩৪৫৬৭৮৯ x ०१२३४५६७८९ ক"));
        var plain = "no digits here ক খ";
        Assert.Same(plain, PiiScrubber.AsciiDigits(plain));
    }
}
