using System.Security.Cryptography;

namespace MillionX.Pipeline.Stages.DarazSync;

/// <summary>
/// The Daraz (Lazada) Open Platform request signature: HMAC-SHA256 keyed with the app secret over the API path followed
/// by every parameter except <c>sign</c>, sorted by name in ASCII order, each as name then value with no separators;
/// upper-case hex. Values are signed as sent, before URL encoding. Pure.
/// </summary>
public static class DarazSigner
{
    public const string SignMethod = "sha256";

    public static string StringToSign(string apiPath, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var sb = new StringBuilder(apiPath);
        foreach (var (name, value) in parameters.Where(p => p.Key != "sign").OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append(name).Append(value);
        }

        return sb.ToString();
    }

    public static string Sign(string apiPath, IEnumerable<KeyValuePair<string, string>> parameters, string appSecret) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), Encoding.UTF8.GetBytes(StringToSign(apiPath, parameters))));
}
