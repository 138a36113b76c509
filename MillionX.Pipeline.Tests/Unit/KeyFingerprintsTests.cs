using System.Security.Cryptography;
using MillionX.Pipeline.Privacy;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class KeyFingerprintsTests
{
    [Fact]
    public void Of_Key_TruncatedHmacOfTheFixedLabelNeverTheKey()
    {
        var key = RandomNumberGenerator.GetBytes(32);

        var fingerprint = KeyFingerprints.Of(key);

        Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(key, "millionx-key-fingerprint"u8))[..32], fingerprint);
        Assert.NotEqual(KeyFingerprints.Of(RandomNumberGenerator.GetBytes(32)), fingerprint);
        Assert.DoesNotContain(Convert.ToHexStringLower(key)[..8], fingerprint, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_Keys_HashAndEveryDeadLetterKeyById()
    {
        var keys = PrivacyKeys.FromBytes(TestConfig.HashKey, TestConfig.DeadLetterKey, "k3", "d2");

        Assert.Equal(
            new Dictionary<string, string> { ["hash:k3"] = KeyFingerprints.Of(TestConfig.HashKey), ["dead-letter:d2"] = KeyFingerprints.Of(TestConfig.DeadLetterKey) },
            KeyFingerprints.Of(keys));
    }

    [Fact]
    public void FirstRecorded_SameIdTwice_TheFirstOwnsIt() =>
        Assert.Equal("aa", KeyFingerprints.FirstRecorded([("hash:k1", "aa"), ("hash:k2", "cc"), ("hash:k1", "bb")])["hash:k1"]);

    [Fact]
    public void Conflicts_OnlyIdsRecordedWithAnotherFingerprint()
    {
        var mine = new Dictionary<string, string> { ["hash:k1"] = "aa", ["dead-letter:d1"] = "dd", ["hash:new"] = "ee" };
        var recorded = new Dictionary<string, string> { ["hash:k1"] = "bb", ["dead-letter:d1"] = "dd" };

        var conflict = Assert.Single(KeyFingerprints.Conflicts(mine, recorded));

        Assert.Equal(("hash:k1", "bb", "aa"), conflict);
        Assert.StartsWith("Another process uses a different key under the same key id (Privacy:HashKeyId 'k1': fingerprint bb recorded on privacy.key-fingerprints, this process has aa)",
            KeyFingerprints.Describe([conflict]), StringComparison.Ordinal);
    }
}
