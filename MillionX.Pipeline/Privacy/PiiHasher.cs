using System.Buffers;
using System.Collections.Frozen;
using System.Security.Cryptography;

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

    // Values up to this many UTF-8 bytes are hashed from a stack buffer; longer ones from a pooled array.
    private const int StackBytes = 512;

    // One keyed HMAC per thread, reused: HMACSHA256.HashData sets the key up again on every call (a fresh OpenSSL
    // context and both padded key blocks), which measured 2.0 µs of CPU a hash against 0.8 µs reused.
    private readonly ThreadLocal<IncrementalHash> _mac = new(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key));

    public string KeyId => keyId;

    public static PiiHasher From(PrivacyKeys keys) => new(keys.HashKey, keys.HashKeyId);

    public string Hash(PiiKind kind, string normalised) => Hash(kind, normalised.AsSpan());

    /// <summary>The hash of <paramref name="normalised"/>: <c>keyId_</c> and 24 hex characters.</summary>
    public string Hash(PiiKind kind, ReadOnlySpan<char> normalised) => Token("", kind, normalised);

    /// <summary>
    /// <paramref name="label"/> followed by the hash of <paramref name="normalised"/>, built as one string
    /// (<c>PHONE_k1_3fa2...</c>): what the scrubber writes in place of a value.
    /// </summary>
    internal string Token(string label, PiiKind kind, ReadOnlySpan<char> normalised)
    {
        Span<byte> mac = stackalloc byte[32];
        Mac(kind, normalised, mac);
        var length = label.Length + keyId.Length + 1 + HexChars;
        Span<char> chars = stackalloc char[length];
        label.CopyTo(chars);
        keyId.CopyTo(chars[label.Length..]);
        chars[label.Length + keyId.Length] = '_';
        Convert.TryToHexStringLower(mac[..(HexChars / 2)], chars[(label.Length + keyId.Length + 1)..], out _);
        return new string(chars);
    }

    /// <summary>HMAC-SHA256 over the kind's prefix ("phone:") and the UTF-8 of <paramref name="normalised"/>.</summary>
    private void Mac(PiiKind kind, ReadOnlySpan<char> normalised, Span<byte> mac)
    {
        var prefix = kind switch
        {
            PiiKind.Phone => "phone:"u8,
            PiiKind.Email => "email:"u8,
            PiiKind.User => "user:"u8,
            PiiKind.Name => "name:"u8,
            _ => "other:"u8,
        };
        var max = prefix.Length + Encoding.UTF8.GetMaxByteCount(normalised.Length);
        byte[]? rented = null;
        var input = max <= StackBytes ? stackalloc byte[StackBytes] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            prefix.CopyTo(input);
            var n = prefix.Length + Encoding.UTF8.GetBytes(normalised, input[prefix.Length..]);
            var hmac = _mac.Value!;
            try
            {
                hmac.AppendData(input[..n]);
                hmac.GetHashAndReset(mac);
            }
            catch
            {
                // Never leave a half-fed HMAC for the next value on this thread.
                hmac.Dispose();
                _mac.Value = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
                throw;
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public string HashPhone(string canonical) => Hash(PiiKind.Phone, canonical);

    public string HashEmail(string email) => EmailToken("", email);

    /// <summary><paramref name="label"/> and <see cref="HashEmail"/> of <paramref name="email"/> as one string.</summary>
    internal string EmailToken(string label, string email) => Token(label, PiiKind.Email, email.Trim().ToLowerInvariant());

    /// <summary>A person's name found in free text, as <see cref="NameFinder"/> spells it (lower case, no titles).</summary>
    public string HashName(string canonical) => Hash(PiiKind.Name, canonical);

    /// <summary>Usernames and @mentions hash alike, so a mention links to the author's own hash.</summary>
    public string HashUser(string username) => UserToken("", username);

    /// <summary><paramref name="label"/> and <see cref="HashUser"/> of <paramref name="username"/> as one string.</summary>
    internal string UserToken(string label, ReadOnlySpan<char> username)
    {
        if (!username.ContainsAnyExceptInRange('\0', '\u007F'))
        {
            // ASCII: NormaliseUsername's own rule (TrimHandle, then lower case), on the stack.
            var trimmed = TrimHandle(username);
            Span<char> lower = trimmed.Length <= 256 ? stackalloc char[256] : new char[trimmed.Length];
            Ascii.ToLower(trimmed, lower, out var written);
            return Token(label, PiiKind.User, lower[..written]);
        }

        return Token(label, PiiKind.User, NormaliseUsername(username.ToString()));
    }

    /// <summary>
    /// One spelling per account before hashing, so "@Rahim_01", "＠ＲＡＨＩＭ＿01", "𝐫𝐚𝐡𝐢𝐦_𝟎𝟏" and "rahim_01" hash alike. The
    /// compatibility forms people type or paste for a Latin handle become ASCII: full-width forms (＠, ＿ and letters),
    /// mathematical alphanumerics (𝐑, 𝑹, 𝓡, 𝕽, 𝚁 ... and their Letterlike stand-ins ℛ, ℝ), circled letters (Ⓡ),
    /// ligatures (ﬁ) and low-line variants; decimal digits of every script become ASCII (beyond NFKC, which keeps ০১);
    /// format characters (zero-width joiners, soft hyphens, bidi marks) and variation selectors are dropped; the result
    /// is in canonical decomposition (NFD: a precomposed é or Bengali ো equals its two-code-point spelling); white
    /// space and leading @ signs are trimmed; letters are lower-cased (invariant culture). Full NFKC is not available:
    /// the process runs with invariant globalization, where string.Normalize leaves non-ASCII text unchanged.
    /// </summary>
    public static string NormaliseUsername(string username)
    {
        if (!username.AsSpan().ContainsAnyExceptInRange('\0', '\u007F'))
        {
            return TrimHandle(username).ToString().ToLowerInvariant();
        }

        var sb = new StringBuilder(username.Length);
        foreach (var rune in username.EnumerateRunes())
        {
            var v = rune.Value;
            if (Compatibility(v) is { } folded)
            {
                sb.Append(folded);
                continue;
            }

            var category = Rune.GetUnicodeCategory(rune);
            if (category == System.Globalization.UnicodeCategory.DecimalDigitNumber)
            {
                sb.Append((char)('0' + (int)Rune.GetNumericValue(rune)));
            }
            else if (category == System.Globalization.UnicodeCategory.Format || v is >= 0xFE00 and <= 0xFE0F or >= 0xE0100 and <= 0xE01EF)
            {
                // Invisible: zero-width joiners, soft hyphens, bidi marks, variation selectors.
            }
            else if (Rune.IsWhiteSpace(rune))
            {
                sb.Append(' ');
            }
            else
            {
                sb.Append(rune.ToString());
            }
        }

        return TrimHandle(Embedding.UnicodeNfd.Normalize(sb.ToString())).ToString().ToLowerInvariant();
    }

    /// <summary>A handle without the white space and leading @ signs around it (before lower-casing).</summary>
    private static ReadOnlySpan<char> TrimHandle(ReadOnlySpan<char> handle) => handle.Trim().TrimStart('@').Trim();

    // The Letterlike Symbols that fill the holes of the mathematical alphabets (script, fraktur, double-struck, italic h).
    private static readonly FrozenDictionary<int, string> Letterlike = new Dictionary<int, string>
    {
        [0x210E] = "h", [0x212C] = "B", [0x2130] = "E", [0x2131] = "F", [0x210B] = "H", [0x2110] = "I", [0x2112] = "L", [0x2133] = "M",
        [0x211B] = "R", [0x212F] = "e", [0x210A] = "g", [0x2134] = "o", [0x212D] = "C", [0x210C] = "H", [0x2111] = "I", [0x211C] = "R",
        [0x2128] = "Z", [0x2102] = "C", [0x210D] = "H", [0x2115] = "N", [0x2119] = "P", [0x211A] = "Q", [0x211D] = "R", [0x2124] = "Z",
    }.ToFrozenDictionary();

    /// <summary>The NFKC result of the compatibility characters that matter for handles, or null.</summary>
    private static string? Compatibility(int v) => v switch
    {
        >= 0xFF01 and <= 0xFF5E => ((char)(v - 0xFEE0)).ToString(),
        0x3000 => " ",
        0xFE6B => "@",
        0xFE33 or 0xFE34 or >= 0xFE4D and <= 0xFE4F => "_",
        >= 0x1D400 and <= 0x1D6A3 => Letter((v - 0x1D400) % 52),
        0x1D6A4 => "\u0131",
        0x1D6A5 => "\u0237",
        >= 0x24B6 and <= 0x24E9 => Letter(v - 0x24B6),
        0xFB00 => "ff",
        0xFB01 => "fi",
        0xFB02 => "fl",
        0xFB03 => "ffi",
        0xFB04 => "ffl",
        0xFB05 or 0xFB06 => "st",
        _ => Letterlike.GetValueOrDefault(v),
    };

    private static string Letter(int i) => ((char)(i < 26 ? 'A' + i : 'a' + i - 26)).ToString();
}
