using System.Security.Cryptography;
using System.Text;

namespace MillionX.Pipeline.Privacy;

/// <summary>What a hashed value was; part of the HMAC input so equal strings of different kinds never collide.</summary>
public enum PiiKind
{
    Phone,
    Email,
    User,
    Other,
    Name,
}

/// <summary>
/// Keyed pseudonymisation: HMAC-SHA256 over the kind and the normalised value, truncated to 96 bits and prefixed with
/// the key id (<c>k1_3fa2...</c>). Without the key the hash cannot be brute-forced, although Bangladeshi mobile
/// numbers are a space of under 10^9. Pure apart from the key.
/// </summary>
public sealed class PiiHasher(byte[] key, string keyId)
{
    /// <summary>Hex characters kept from the MAC: 24 = 96 bits.</summary>
    public const int HexChars = 24;

    public string KeyId => keyId;

    public static PiiHasher From(PrivacyKeys keys) => new(keys.HashKey, keys.HashKeyId);

    public string Hash(PiiKind kind, string normalised)
    {
        var prefix = kind switch
        {
            PiiKind.Phone => "phone:",
            PiiKind.Email => "email:",
            PiiKind.User => "user:",
            PiiKind.Name => "name:",
            _ => "other:",
        };
        var input = Encoding.UTF8.GetBytes(prefix + normalised);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, input, mac);
        return keyId + "_" + Convert.ToHexStringLower(mac[..(HexChars / 2)]);
    }

    public string HashPhone(string canonical) => Hash(PiiKind.Phone, canonical);

    public string HashEmail(string email) => Hash(PiiKind.Email, email.Trim().ToLowerInvariant());

    /// <summary>A person's name found in free text, as <see cref="NameFinder"/> spells it (lower case, no titles).</summary>
    public string HashName(string canonical) => Hash(PiiKind.Name, canonical);

    /// <summary>Usernames and @mentions hash alike, so a mention links to the author's own hash.</summary>
    public string HashUser(string username) => Hash(PiiKind.User, NormaliseUsername(username));

    /// <summary>
    /// One spelling per account before hashing: full-width forms (what some phone keyboards type: <c>＠Ｒａｈｉｍ</c>) become
    /// ASCII, leading @ signs and surrounding white space go, and letters are lower-cased (invariant culture), so
    /// "@Rahim_Uddin", "rahim_uddin" and "＠Ｒａｈｉｍ＿Ｕｄｄｉｎ" hash alike. (Full NFKC is not available: the process runs with
    /// invariant globalization, where string.Normalize leaves non-ASCII text unchanged.)
    /// </summary>
    public static string NormaliseUsername(string username)
    {
        var chars = username.Trim().ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (chars[i] is >= '\uFF01' and <= '\uFF5E')
            {
                chars[i] = (char)(chars[i] - 0xFEE0);
            }
            else if (chars[i] == '\u3000')
            {
                chars[i] = ' ';
            }
        }

        return new string(chars).Trim().TrimStart('@').ToLowerInvariant();
    }
}
