namespace MillionX.Pipeline.Privacy;

/// <summary>
/// The <c>Privacy</c> section: keys for PII hashing and dead-letter encryption. Secrets come from configuration or
/// the environment (<c>Privacy__HashKey</c>, <c>Privacy__DeadLetterKey</c>); they are never in the repo and never logged.
/// </summary>
public sealed class PrivacyOptions
{
    public const string Section = "Privacy";

    /// <summary>HMAC-SHA256 key, base64, at least 32 bytes. Empty: refused in production, a dev key on the embedded broker.</summary>
    public string HashKey { get; set; } = "";

    /// <summary>Names the hash key; written with every hash so keys can be rotated without mixing hashes.</summary>
    [Required, RegularExpression("^[a-z0-9]{1,8}$", ErrorMessage = "Privacy:HashKeyId must be 1-8 lowercase letters or digits.")]
    public string HashKeyId { get; set; } = "k1";

    /// <summary>AES-256-GCM key for social and market dead-letter payloads, base64 of 32 bytes.</summary>
    public string DeadLetterKey { get; set; } = "";

    [Required, RegularExpression("^[a-z0-9]{1,8}$", ErrorMessage = "Privacy:DeadLetterKeyId must be 1-8 lowercase letters or digits.")]
    public string DeadLetterKeyId { get; set; } = "d1";

    /// <summary>
    /// Older dead-letter keys by id (base64), so dead letters written before a rotation can still be replayed.
    /// </summary>
    public Dictionary<string, string> PreviousDeadLetterKeys { get; set; } = [];

    /// <summary>
    /// Allow the built-in development keys when no key is configured. Only ever honoured with the embedded broker;
    /// with a real broker (production) a missing key stops the host at start.
    /// </summary>
    public bool AllowDevelopmentKeys { get; set; } = true;
}
