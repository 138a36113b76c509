using System.Security.Cryptography;

namespace MillionX.Pipeline.Stages.ShopifySync;

/// <summary>Shopify's webhook signature: base64(HMAC-SHA256(raw body, app client secret)) in X-Shopify-Hmac-Sha256. Pure.</summary>
public static class ShopifyWebhookSignature
{
    public const string Header = "X-Shopify-Hmac-Sha256";

    public static string Compute(ReadOnlySpan<byte> body, string secret) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>True only for a well-formed header that matches; compared in constant time.</summary>
    public static bool Verify(ReadOnlySpan<byte> body, string secret, string? header)
    {
        if (string.IsNullOrEmpty(secret) || string.IsNullOrWhiteSpace(header))
        {
            return false;
        }

        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (!Convert.TryFromBase64String(header.Trim(), given, out var written) || written != HMACSHA256.HashSizeInBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
