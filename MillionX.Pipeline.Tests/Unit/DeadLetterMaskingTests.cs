using MillionX.Pipeline.DeadLetters;
using MillionX.Pipeline.Privacy;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class DeadLetterMaskingTests
{
    private static readonly PiiHasher Hasher = new(Encoding.UTF8.GetBytes("unit-test-hash-key-0123456789abcdef"), "k1");
    private static readonly DeadLetterMasking Masking = new(new PiiScrubber(Hasher));

    [Fact]
    public void Mask_ValidJson_PersonalFieldsHashedAndTextScrubbed()
    {
        var payload = """{"author_username":"Rahim_99","content":"call +880 1712-345678 or mail rahim@example.com @karim","customer_phone":"01812345678","price":1250.5,"hashtags":["#eid","@nadia"]}""";

        var masked = Masking.Mask(Encoding.UTF8.GetBytes(payload));

        Assert.Contains("\"author_username\":\"USER_" + Hasher.HashUser("Rahim_99") + "\"", masked, StringComparison.Ordinal);
        Assert.Contains("PHONE_" + Hasher.HashPhone("8801712345678"), masked, StringComparison.Ordinal);
        Assert.Contains("EMAIL_" + Hasher.HashEmail("rahim@example.com"), masked, StringComparison.Ordinal);
        Assert.Contains("USER_" + Hasher.HashUser("karim"), masked, StringComparison.Ordinal);
        Assert.Contains("USER_" + Hasher.HashUser("nadia"), masked, StringComparison.Ordinal);
        Assert.Contains("\"customer_phone\":\"CONTACT_" + Hasher.HashPhone("8801812345678") + "\"", masked, StringComparison.Ordinal);
        Assert.Contains("1250.5", masked, StringComparison.Ordinal);
        foreach (var raw in new[] { "Rahim_99", "1712", "rahim@", "karim", "nadia", "01812345678" })
        {
            Assert.DoesNotContain(raw, masked, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Mask_NumericPhoneField_StillHashed()
    {
        var masked = Masking.Mask("""{"customer_phone":8801712345678}"""u8);

        Assert.DoesNotContain("1712345678", masked, StringComparison.Ordinal);
        Assert.Contains("CONTACT_k1_", masked, StringComparison.Ordinal);
    }

    [Fact]
    public void Mask_BrokenJson_PersonalFieldsStillHashed()
    {
        var payload = """{"platform":"tiktok","author_username":"Rahim_99","customer_phone":"01712345678","content":"hi @karim""";

        var masked = Masking.Mask(Encoding.UTF8.GetBytes(payload));

        Assert.Contains("USER_" + Hasher.HashUser("Rahim_99"), masked, StringComparison.Ordinal);
        Assert.Contains("CONTACT_" + Hasher.HashPhone("8801712345678"), masked, StringComparison.Ordinal);
        Assert.Contains("USER_" + Hasher.HashUser("karim"), masked, StringComparison.Ordinal);
        Assert.DoesNotContain("Rahim_99", masked, StringComparison.Ordinal);
        Assert.DoesNotContain("1712345678", masked, StringComparison.Ordinal);
    }

    [Fact]
    public void Mask_CutShortInsideAPersonalValue_StillHashed()
    {
        var masked = Masking.Mask("""{"author_username":"Rahim_9"""u8);

        Assert.DoesNotContain("Rahim", masked, StringComparison.Ordinal);
    }

    [Fact]
    public void Mask_InvalidUtf8_ScrubbedNotThrown()
    {
        byte[] payload = [.. "{\"content\":\"01712345678 \""u8, 0xFF, .. "}"u8];

        var masked = Masking.Mask(payload);

        Assert.DoesNotContain("1712345678", masked, StringComparison.Ordinal);
    }

    [Fact]
    public void Mask_LongPayload_CutWithLength()
    {
        var masked = Masking.Mask(Encoding.UTF8.GetBytes($"{{\"content\":\"{new string('x', 5000)}\"}}"));

        Assert.True(masked.Length < DeadLetterMasking.MaxChars + 40);
        Assert.EndsWith("chars)", masked, StringComparison.Ordinal);
    }
}
