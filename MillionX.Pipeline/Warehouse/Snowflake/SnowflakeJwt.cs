using System.Security.Cryptography;

namespace MillionX.Pipeline.Warehouse.Snowflake;

/// <summary>
/// Key-pair JWTs for the SQL API: RS256, iss <c>ACCOUNT.USER.SHA256:&lt;base64 sha256 of the public key DER&gt;</c>,
/// sub <c>ACCOUNT.USER</c>, at most one hour. A token is reused until shortly before it expires.
/// </summary>
public sealed class SnowflakeJwt : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(59);
    private readonly RSA _key;
    private readonly string _qualifiedUser;
    private readonly string _fingerprint;
    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private (string Token, DateTimeOffset Expires)? _current;

    public SnowflakeJwt(string account, string user, string privateKeyPem, string? passphrase, TimeProvider clock)
    {
        _clock = clock;
        _key = RSA.Create();
        if (string.IsNullOrEmpty(passphrase))
        {
            _key.ImportFromPem(privateKeyPem);
        }
        else
        {
            _key.ImportFromEncryptedPem(privateKeyPem, passphrase);
        }

        var accountId = account.Split('.')[0].ToUpperInvariant();
        _qualifiedUser = $"{accountId}.{user.ToUpperInvariant()}";
        _fingerprint = "SHA256:" + Convert.ToBase64String(SHA256.HashData(_key.ExportSubjectPublicKeyInfo()));
    }

    public static SnowflakeJwt From(SnowflakeOptions o, TimeProvider clock) =>
        new(o.Account, o.User, string.IsNullOrWhiteSpace(o.PrivateKey) ? File.ReadAllText(o.PrivateKeyPath) : o.PrivateKey, o.PrivateKeyPassphrase, clock);

    /// <summary>The public key fingerprint Snowflake stores as RSA_PUBLIC_KEY_FP.</summary>
    public string Fingerprint => _fingerprint;

    public string Issuer => $"{_qualifiedUser}.{_fingerprint}";

    public string Subject => _qualifiedUser;

    public string Token()
    {
        lock (_lock)
        {
            var now = _clock.GetUtcNow();
            if (_current is { } c && c.Expires - now > TimeSpan.FromMinutes(5))
            {
                return c.Token;
            }

            var expires = now + Lifetime;
            var header = Base64Url("""{"alg":"RS256","typ":"JWT"}"""u8);
            var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["iss"] = Issuer,
                ["sub"] = Subject,
                ["iat"] = now.ToUnixTimeSeconds(),
                ["exp"] = expires.ToUnixTimeSeconds(),
            }, SnowflakeJson.Default.DictionaryStringObject));
            var signingInput = header + "." + payload;
            var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var token = signingInput + "." + Base64Url(signature);
            _current = (token, expires);
            return token;
        }
    }

    internal static string Base64Url(ReadOnlySpan<byte> data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose() => _key.Dispose();
}
