using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using MillionX.Pipeline.Warehouse.Snowflake;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class SnowflakeJwtTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);

    // Generated once for the class (a 2048-bit key takes a while); never written anywhere.
    private static readonly RSA Key = RSA.Create(2048);
    private readonly RSA _key = Key;
    private readonly FakeTimeProvider _clock = new(Start);

    [Fact]
    public void Token_Issued_VerifiesWithPublicKeyAndCarriesSnowflakeClaims()
    {
        using var jwt = new SnowflakeJwt("myorg-myaccount", "etl_loader", _key.ExportPkcs8PrivateKeyPem(), null, _clock);
        var fingerprint = "SHA256:" + Convert.ToBase64String(SHA256.HashData(_key.ExportSubjectPublicKeyInfo()));

        var claims = FakeSnowflake.VerifyJwt(jwt.Token(), _key, "MYORG-MYACCOUNT.ETL_LOADER." + fingerprint, "MYORG-MYACCOUNT.ETL_LOADER", _clock.GetUtcNow());

        Assert.Equal(fingerprint, jwt.Fingerprint);
        Assert.Equal(Start.ToUnixTimeSeconds(), claims.Iat);
        Assert.InRange(claims.Exp - claims.Iat, 600, 3600);
        Assert.Equal("""{"alg":"RS256","typ":"JWT"}""", Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(jwt.Token().Split('.')[0])));
    }

    [Fact]
    public void Token_AccountWithRegionSuffix_DropsRegionAndUpperCases()
    {
        using var jwt = new SnowflakeJwt("xy12345.ap-southeast-1.aws", "loader", _key.ExportPkcs8PrivateKeyPem(), null, _clock);

        Assert.Equal("XY12345.LOADER", jwt.Subject);
        Assert.Equal("XY12345.LOADER." + jwt.Fingerprint, jwt.Issuer);
    }

    [Fact]
    public void Token_EncryptedPrivateKey_SignsWithThePassphrase()
    {
        var pem = _key.ExportEncryptedPkcs8PrivateKeyPem("s3cret".AsSpan(), new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000));
        using var jwt = new SnowflakeJwt("acct", "user", pem, "s3cret", _clock);

        var claims = FakeSnowflake.VerifyJwt(jwt.Token(), _key, jwt.Issuer, "ACCT.USER", _clock.GetUtcNow());

        Assert.Equal("ACCT.USER", claims.Sub);
    }

    [Fact]
    public void Token_WhileValid_ReusedAndRenewedShortlyBeforeExpiry()
    {
        using var jwt = new SnowflakeJwt("acct", "user", _key.ExportPkcs8PrivateKeyPem(), null, _clock);
        var first = jwt.Token();
        var exp = FakeSnowflake.VerifyJwt(first, _key, jwt.Issuer, jwt.Subject, _clock.GetUtcNow()).Exp;

        _clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Same(first, jwt.Token());

        // Renewed while at least a minute is left, so a token is never sent on its last seconds.
        _clock.Advance(DateTimeOffset.FromUnixTimeSeconds(exp) - _clock.GetUtcNow() - TimeSpan.FromMinutes(1));
        var renewed = jwt.Token();
        Assert.NotEqual(first, renewed);
        var claims = FakeSnowflake.VerifyJwt(renewed, _key, jwt.Issuer, jwt.Subject, _clock.GetUtcNow());
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeSeconds(), claims.Iat);
        Assert.Same(renewed, jwt.Token());
    }
}
