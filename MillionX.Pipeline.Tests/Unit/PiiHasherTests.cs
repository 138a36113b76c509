using System.Security.Cryptography;
using MillionX.Pipeline.Privacy;

namespace MillionX.Pipeline.Tests.Unit;

/// <summary>
/// The hasher keeps one keyed HMAC per thread and hashes from stack buffers; its tokens must stay exactly the keyed
/// HMAC-SHA256 of "kind:value" (the documented scheme), whatever the value's length, script or thread.
/// </summary>
public sealed class PiiHasherTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 13 + 5))];

    /// <summary>The scheme written out with the one-shot API: HMAC-SHA256 of the UTF-8 of "kind:value", 96 bits in hex.</summary>
    private static string Expected(string prefix, string value, string keyId = "k1") =>
        keyId + "_" + Convert.ToHexStringLower(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes(prefix + value))[..12]);

    public static TheoryData<string> Values() =>
    [
        "",
        "8801712345678",
        "rahim uddin",
        "রহিম উদ্দিন",
        "𝐫𝐚𝐡𝐢𝐦", // astral: four UTF-8 bytes a letter
        "unpaired \uD800 surrogate", // encoded as U+FFFD, as Encoding.UTF8.GetBytes does
        new string('x', 505), // just below the stack buffer with the prefix
        new string('x', 600), // a pooled buffer
        string.Concat(Enumerable.Repeat("রহিম ", 400)), // thousands of UTF-8 bytes
    ];

    [Theory]
    [MemberData(nameof(Values))]
    public void Hash_EveryKind_IsTheKeyedHmacOfKindAndValue(string value)
    {
        var hasher = new PiiHasher(Key, "k1");
        Assert.Equal(Expected("phone:", value), hasher.Hash(PiiKind.Phone, value));
        Assert.Equal(Expected("email:", value), hasher.Hash(PiiKind.Email, value));
        Assert.Equal(Expected("user:", value), hasher.Hash(PiiKind.User, value));
        Assert.Equal(Expected("name:", value), hasher.Hash(PiiKind.Name, value));
        Assert.Equal(Expected("other:", value), hasher.Hash(PiiKind.Other, value));
        Assert.Equal(Expected("phone:", value), hasher.HashPhone(value));
        Assert.Equal(Expected("name:", value), hasher.HashName(value));
    }

    [Fact]
    public void Hash_OneValueAfterAnother_EachHashedAlone()
    {
        // A reused HMAC that kept state from the previous value would change the second hash.
        var hasher = new PiiHasher(Key, "k1");
        var first = hasher.HashPhone("8801712345678");
        Assert.Equal(Expected("user:", "rahim"), hasher.Hash(PiiKind.User, "rahim"));
        Assert.Equal(first, hasher.HashPhone("8801712345678"));
    }

    [Fact]
    public void HashUserAndEmail_Normalised_ThenHashed()
    {
        var hasher = new PiiHasher(Key, "k2");
        Assert.Equal(Expected("user:", "rahim_01", "k2"), hasher.HashUser("  @@Rahim_01 "));
        Assert.Equal(Expected("user:", "rahim_01", "k2"), hasher.HashUser("＠Ｒａｈｉｍ＿０１"));
        Assert.Equal(Expected("email:", "rahim@example.com", "k2"), hasher.HashEmail(" Rahim@Example.com "));
    }

    [Fact]
    public void Hash_TwoKeys_NeverShareState()
    {
        var other = new byte[32];
        var a = new PiiHasher(Key, "k1");
        var b = new PiiHasher(other, "k2");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Expected("phone:", "8801712345678"), a.HashPhone("8801712345678"));
            Assert.Equal("k2_" + Convert.ToHexStringLower(HMACSHA256.HashData(other, "phone:8801712345678"u8)[..12]), b.HashPhone("8801712345678"));
        }
    }

    [Fact]
    public async Task Hash_ManyThreadsAtOnce_SameHashesAsOneThread()
    {
        var hasher = new PiiHasher(Key, "k1");
        var values = Enumerable.Range(0, 2_000).Select(i => "88017" + i.ToString("D8", CultureInfo.InvariantCulture)).ToArray();
        var expected = values.Select(v => Expected("phone:", v)).ToArray();
        using var start = new Barrier(8);
        var workers = Enumerable.Range(0, 8).Select(w => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            var mismatches = 0;
            for (var round = 0; round < 5; round++)
            {
                for (var i = w; i < values.Length; i += 3)
                {
                    mismatches += hasher.HashPhone(values[i]) == expected[i] ? 0 : 1;
                }
            }

            return mismatches;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        Assert.All(await Task.WhenAll(workers), m => Assert.Equal(0, m));
    }
}
