using MillionX.Pipeline.Privacy;

namespace MillionX.Pipeline.Tests.Unit;

/// <summary>
/// Issue 13: the written forms sellers and customers use that the first scrubber missed. Each case checks the exact
/// output, so the personal value is gone, its token hashes like the plain form (joins keep working) and the text
/// around it is untouched.
/// </summary>
public sealed class PiiScrubberFormsTests
{
    private static readonly PiiHasher Hasher = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray(), "k1");
    private static readonly PiiScrubber Scrubber = new(Hasher);
    private static readonly string Phone = "PHONE_" + Hasher.HashPhone("8801711000234");

    [Theory]
    [InlineData("0️⃣1️⃣7️⃣1️⃣1️⃣0️⃣0️⃣0️⃣2️⃣3️⃣4️⃣")] // keycaps: digit, U+FE0F, U+20E3
    [InlineData("0⃣1⃣7⃣1⃣1⃣0⃣0⃣0⃣2⃣3⃣4⃣")] // keycaps without the variation selector
    [InlineData("0️⃣1️⃣7️⃣1️⃣1️⃣ 0️⃣0️⃣0️⃣2️⃣3️⃣4️⃣")]
    [InlineData("01711\u00AD000234")] // soft hyphen
    [InlineData("017\u00AD11\u00AD000\u00AD234")]
    [InlineData("01711\u200C000234")] // ZWNJ
    [InlineData("0171\u200D1000\u200D234")] // ZWJ
    [InlineData("01711\u200B000234")] // zero-width space
    [InlineData("\u206601711-000234\u2069")] // bidi isolates around the number
    [InlineData("01711/000234")]
    [InlineData("01711_000234")]
    [InlineData("01711,000234")]
    [InlineData("01711\u2013000234")] // en dash
    [InlineData("01711 \u2013 000234")]
    [InlineData("01711\u2011000234")] // non-breaking hyphen
    [InlineData("01711\u2014000\u2014234")] // em dash
    [InlineData("01711\uFF0D000234")] // full-width hyphen-minus
    [InlineData("01711📞000234")]
    [InlineData("01711 📞 000234")]
    public void Scrub_PhoneWithInvisibleOrUnusualSeparators_IsOneTokenHashedLikeThePlainNumber(string form) =>
        AssertPhone($"dam 1200 taka, {form} e knock din", "dam 1200 taka, {P} e knock din");

    [Theory]
    [InlineData("01711 -- 000234")]
    [InlineData("01711 - - 000234")]
    [InlineData("017 11 / 000 / 234")]
    [InlineData("(017) 11-000-234")]
    public void Scrub_PhoneWithRunsOfSeparators_IsOneToken(string form) =>
        AssertPhone($"order: {form}.", "order: {P}.");

    [Theory]
    [InlineData("+88001711000234")]
    [InlineData("88001711000234")]
    [InlineData("+8800 1711-000234")]
    [InlineData("+880 01711-000234")]
    [InlineData("+01711000234")]
    [InlineData("+0 1711-000234")]
    [InlineData("+88 01711 000234")]
    [InlineData("0088 01711 000234")]
    public void Scrub_PhoneWithUnusualPrefixes_IsOneToken(string form) =>
        AssertPhone($"WhatsApp {form} (shop)", "WhatsApp {P} (shop)");

    [Theory]
    [InlineData("𝟎𝟏𝟕𝟏𝟏𝟎𝟎𝟎𝟐𝟑𝟒")] // mathematical bold, U+1D7CE.., surrogate pairs
    [InlineData("𝟶𝟷𝟽𝟷𝟷-𝟶𝟶𝟶𝟸𝟹𝟺")] // mathematical monospace
    [InlineData("𝟘𝟙𝟟𝟙𝟙 𝟘𝟘𝟘𝟚𝟛𝟜")] // double-struck
    [InlineData("০১৭১১–০০০২৩৪")] // Bengali digits, en dash
    [InlineData("০১৭১১ ০০০ ২৩৪")]
    [InlineData("０１７１１－０００２３４")] // full-width digits and hyphen
    [InlineData("𝟎𝟏𝟕𝟏𝟏-০০০234")] // three scripts in one number
    [InlineData("O1711-000234")] // letter O for the national zero
    [InlineData("o1711 000234")]
    [InlineData("01711-OOO234")]
    [InlineData("0171100O234")]
    [InlineData("Ｏ１７１１０００２３４")]
    public void Scrub_PhoneInOtherDigitForms_IsOneToken(string form) =>
        AssertPhone($"ei number e {form} sms din", "ei number e {P} sms din");

    [Theory]
    [InlineData("call 1711-000234 ekhoni", "call {P} ekhoni")]
    [InlineData("Phone: 1711000234", "Phone: {P}")]
    [InlineData("mobile no 1711 000 234", "mobile no {P}")]
    [InlineData("Contact me on 1711-000234", "Contact me on {P}")]
    [InlineData("WhatsApp/imo: 1711-000234", "WhatsApp/imo: {P}")]
    [InlineData("bkash korun 1711000234 e", "bkash korun {P} e")]
    [InlineData("Nagad: 1711-000234", "Nagad: {P}")]
    [InlineData("ফোন ১৭১১-০০০২৩৪", "ফোন {P}")]
    [InlineData("মোবাইল: 1711000234", "মোবাইল: {P}")]
    [InlineData("কল করুন 1711 000234", "কল করুন {P}")]
    [InlineData("যোগাযোগ: 1711-000234", "যোগাযোগ: {P}")]
    [InlineData("আমার নম্বর 1711000234", "আমার নম্বর {P}")]
    [InlineData("নাম্বার: ১৭১১০০০২৩৪", "নাম্বার: {P}")]
    [InlineData("📞1711-000234", "📞{P}")]
    [InlineData("☎ 1711 000234", "☎ {P}")]
    [InlineData("☎️ 1711 000234", "☎️ {P}")]
    public void Scrub_PhoneWithoutTheNationalZero_IsATokenWhenContextSaysPhone(string text, string expected) =>
        AssertPhone(text, expected);

    [Theory]
    [InlineData("order 1711-000234 confirmed")]
    [InlineData("tracking 1711000234")]
    [InlineData("Order number 1711000234 er status")]
    [InlineData("অর্ডার নম্বর ১৭১১০০০২৩৪ এর অবস্থা")]
    [InlineData("call korle parcel ID 24A1711000234 bolben")]
    public void Scrub_TenDigitsWithoutPhoneContext_AreLeftAlone(string text) =>
        Assert.Equal(text, Scrubber.Scrub(text));

    [Theory]
    [InlineData("0️⃣1️⃣7️⃣1️⃣1️⃣0️⃣0️⃣0️⃣2️⃣3️⃣4️⃣")]
    [InlineData("01711\u00AD000234")]
    [InlineData("𝟎𝟏𝟕𝟏𝟏𝟎𝟎𝟎𝟐𝟑𝟒")]
    [InlineData("+88001711000234")]
    [InlineData("O1711-000234")]
    [InlineData("1711-000234")] // a phone field is its own context
    [InlineData("01711/000234")]
    public void HashContact_NewForms_HashAsThePlainNumberDoes(string phone) =>
        Assert.Equal(Scrubber.HashContact("01711000234"), Scrubber.HashContact(phone));

    [Theory]
    [InlineData("Mail korun rahim.shop@example.comএ", "Mail korun {E}এ")]
    [InlineData("rahim.shop@example.com-e details pathan", "{E}-e details pathan")]
    [InlineData("Email:-rahim.shop@example.com", "Email:-{E}")]
    [InlineData("CV pathan _rahim.shop@example.com e", "CV pathan _{E} e")]
    [InlineData("rahim.shop @ example.com e mail din", "{E} e mail din")]
    [InlineData("rahim.shop@ example.com", "{E}")]
    [InlineData("Mail: rahim.shop[at]example.com", "Mail: {E}")]
    [InlineData("rahim.shop(at)example.com", "{E}")]
    [InlineData("rahim.shop [at] example [dot] com!", "{E}!")]
    [InlineData("rahim.shop (AT) example (DOT) com", "{E}")]
    [InlineData("rahim.shop{at}example{dot}com", "{E}")]
    [InlineData("rahim.shop at example[dot]com", "{E}")]
    [InlineData("rahim.shop＠example.com", "{E}")]
    [InlineData("ＲＡＨＩＭ.ＳＨＯＰ＠ＥＸＡＭＰＬＥ.ＣＯＭ", "{E}")]
    [InlineData("ইমেইল: rahim.shop@example.comএ পাঠান", "ইমেইল: {E}এ পাঠান")]
    public void Scrub_EmailInEvasiveForms_IsOneToken(string text, string expected) =>
        Assert.Equal(expected.Replace("{E}", "EMAIL_" + Hasher.HashEmail("rahim.shop@example.com"), StringComparison.Ordinal), Scrubber.Scrub(text));

    [Fact]
    public void Scrub_EmailWrittenWithAPlainAt_OnlyForAMailProvider()
    {
        Assert.Equal("EMAIL_" + Hasher.HashEmail("fatema.style@gmail.com") + " e mail korun", Scrubber.Scrub("fatema.style at gmail.com e mail korun"));
        Assert.Equal("Available at daraz.com.bd now", Scrubber.Scrub("Available at daraz.com.bd now"));
    }

    [Theory]
    [InlineData("@@rahim_shop ke tag korlam", "{U} ke tag korlam", "rahim_shop")]
    [InlineData("＠rahim_shop dhonnobad", "{U} dhonnobad", "rahim_shop")]
    [InlineData("＠＠Rahim_Shop dhonnobad", "{U} dhonnobad", "rahim_shop")]
    [InlineData("@রহিম ভাই কে ধন্যবাদ", "{U} ভাই কে ধন্যবাদ", "রহিম")]
    [InlineData("review dilen @ফাতেমা_শপ!", "review dilen {U}!", "ফাতেমা_শপ")]
    public void Scrub_MentionInOtherForms_IsAUserToken(string text, string expected, string user) =>
        Assert.Equal(expected.Replace("{U}", "USER_" + Hasher.HashUser(user), StringComparison.Ordinal), Scrubber.Scrub(text));

    [Theory]
    [InlineData("Wholesale rate @500tk per piece")]
    [InlineData("দাম @৳৫০০ প্রতি পিস")]
    [InlineData("12 pcs @ 150 tk")]
    public void Scrub_AtSignAsPriceRate_IsNotAMention(string text) => Assert.Equal(text, Scrubber.Scrub(text));

    [Theory]
    [InlineData("call PHONE_k1_a01711000234b0000000000c now")] // a hash whose hex holds a whole number
    [InlineData("call PHONE_k1_c8801711000234d000000000 now")]
    [InlineData("USER_k1_01711000234abcdef0123456")]
    public void Scrub_TokensItWrote_AreLeftAlone(string scrubbed) => Assert.Equal(scrubbed, Scrubber.Scrub(scrubbed));

    private static void AssertPhone(string text, string expected) =>
        Assert.Equal(expected.Replace("{P}", Phone, StringComparison.Ordinal), Scrubber.Scrub(text));
}
