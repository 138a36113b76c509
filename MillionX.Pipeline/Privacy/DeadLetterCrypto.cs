using System.Security.Cryptography;

namespace MillionX.Pipeline.Privacy;

/// <summary>
/// AES-256-GCM for dead-letter payloads of social and market records, which still hold raw PII: a replay with the
/// key can read them, nobody else can. Layout: base64(nonce[12] | ciphertext | tag[16]); the key id travels beside it.
/// </summary>
public sealed class DeadLetterCrypto(IReadOnlyDictionary<string, byte[]> keys, string currentKeyId)
{
    public const string Encoding = "aes-256-gcm";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    public string KeyId => currentKeyId;

    public static DeadLetterCrypto From(PrivacyKeys keys) => new(keys.DeadLetterKeys, keys.DeadLetterKeyId);

    public string Encrypt(ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[NonceBytes + plaintext.Length + TagBytes];
        var nonce = output.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(keys[currentKeyId], TagBytes);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceBytes, plaintext.Length), output.AsSpan(NonceBytes + plaintext.Length), Aad(currentKeyId));
        return Convert.ToBase64String(output);
    }

    /// <exception cref="CryptographicException">Wrong key or tampered payload.</exception>
    public byte[] Decrypt(string payload, string keyId)
    {
        if (!keys.TryGetValue(keyId, out var key))
        {
            throw new CryptographicException($"Dead-letter key '{keyId}' is not configured (Privacy:DeadLetterKeyId / Privacy:PreviousDeadLetterKeys).");
        }

        var data = Convert.FromBase64String(payload);
        var length = data.Length - NonceBytes - TagBytes;
        if (length < 0)
        {
            throw new CryptographicException("Encrypted dead-letter payload is too short.");
        }

        var plaintext = new byte[length];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(data.AsSpan(0, NonceBytes), data.AsSpan(NonceBytes, length), data.AsSpan(NonceBytes + length), plaintext, Aad(keyId));
        return plaintext;
    }

    private static byte[] Aad(string keyId) => System.Text.Encoding.ASCII.GetBytes("millionx-dead-letter:" + keyId);
}
