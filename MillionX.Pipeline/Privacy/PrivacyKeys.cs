using System.Security.Cryptography;

namespace MillionX.Pipeline.Privacy;

/// <summary>
/// The resolved privacy keys. Fails at start when production runs without keys, or when the public development keys
/// would protect data that leaves the process. Development keys always carry the reserved key id <c>dev</c>, so their
/// hashes and ciphertexts never pass for real ones.
/// </summary>
public sealed class PrivacyKeys
{
    /// <summary>The key id of the public development keys; configured keys may not use it.</summary>
    public const string DevelopmentKeyId = "dev";

    // Publicly known and therefore not secret: used only with the embedded broker, with a warning.
    private static readonly byte[] DevHashKey = SHA256.HashData("millionx-development-hash-key-not-secret"u8);
    private static readonly byte[] DevDeadLetterKey = SHA256.HashData("millionx-development-dead-letter-key-not-secret"u8);

    public PrivacyKeys(IOptions<PrivacyOptions> options, IOptions<KafkaOptions> kafka, ILogger<PrivacyKeys> logger, ExternalSystems? external = null)
    {
        var o = options.Value;
        var production = !kafka.Value.IsEmbedded;
        var outside = external?.Systems ?? [];
        foreach (var (id, name) in new[] { (o.HashKeyId, "Privacy:HashKeyId"), (o.DeadLetterKeyId, "Privacy:DeadLetterKeyId") })
        {
            if (id == DevelopmentKeyId)
            {
                throw new OptionsValidationException(PrivacyOptions.Section, typeof(PrivacyOptions),
                    [$"{name} '{DevelopmentKeyId}' is reserved for the public development keys; choose another id (e.g. k1)."]);
            }
        }

        (HashKey, HashKeyId) = Resolve(o.HashKey, o.HashKeyId, "Privacy:HashKey", DevHashKey, minBytes: 32, exactBytes: null);
        (DeadLetterKey, DeadLetterKeyId) = Resolve(o.DeadLetterKey, o.DeadLetterKeyId, "Privacy:DeadLetterKey", DevDeadLetterKey, minBytes: 32, exactBytes: 32);
        DeadLetterKeys = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [DeadLetterKeyId] = DeadLetterKey };
        foreach (var (id, key) in o.PreviousDeadLetterKeys)
        {
            DeadLetterKeys.TryAdd(id, Decode(key, $"Privacy:PreviousDeadLetterKeys:{id}", 32, 32));
        }

        (byte[] Key, string Id) Resolve(string configured, string id, string name, byte[] dev, int minBytes, int? exactBytes)
        {
            if (!string.IsNullOrWhiteSpace(configured))
            {
                return (Decode(configured, name, minBytes, exactBytes), id);
            }

            var set = $"set {name} (env {name.Replace(":", "__", StringComparison.Ordinal)}) to a base64 key of {minBytes}+ random bytes, e.g. `openssl rand -base64 32`.";
            if (production || !o.AllowDevelopmentKeys)
            {
                throw new OptionsValidationException(PrivacyOptions.Section, typeof(PrivacyOptions),
                    [$"{name} is not set. With a real Kafka broker (production) the pipeline refuses to run without it: {set}"]);
            }

            if (outside.Count > 0)
            {
                throw new OptionsValidationException(PrivacyOptions.Section, typeof(PrivacyOptions),
                    [$"{name} is not set, and the public development key may only protect data that stays in this process; this one reads or writes {string.Join(", ", outside)}: {set}"]);
            }

            logger.LogWarning(
                "{Name} is not set: using the PUBLIC DEVELOPMENT key (key id '{Id}'). Hashes and encrypted dead letters are NOT protected. "
                + "This is allowed only with the embedded broker and nothing outside this process; set {Name} for anything real.", name, DevelopmentKeyId, name);
            UsesDevelopmentKeys = true;
            return (dev, DevelopmentKeyId);
        }
    }

    public string HashKeyId { get; }

    public string DeadLetterKeyId { get; }

    public bool UsesDevelopmentKeys { get; private set; }

    internal byte[] HashKey { get; }

    internal byte[] DeadLetterKey { get; }

    internal Dictionary<string, byte[]> DeadLetterKeys { get; }

    private static byte[] Decode(string value, string name, int minBytes, int? exactBytes)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(value.Trim());
        }
        catch (FormatException)
        {
            throw new OptionsValidationException(PrivacyOptions.Section, typeof(PrivacyOptions), [$"{name} must be base64 (e.g. `openssl rand -base64 32`)."]);
        }

        if (bytes.Length < minBytes || (exactBytes is { } n && bytes.Length != n))
        {
            throw new OptionsValidationException(PrivacyOptions.Section, typeof(PrivacyOptions),
                [$"{name} must decode to {(exactBytes is { } e ? $"exactly {e}" : $"at least {minBytes}")} bytes; it has {bytes.Length}."]);
        }

        return bytes;
    }

    /// <summary>For tests and tools that hold keys directly.</summary>
    internal static PrivacyKeys FromBytes(byte[] hashKey, byte[] deadLetterKey, string hashKeyId = "k1", string deadLetterKeyId = "d1") =>
        new(Options.Create(new PrivacyOptions
        {
            HashKey = Convert.ToBase64String(hashKey),
            HashKeyId = hashKeyId,
            DeadLetterKey = Convert.ToBase64String(deadLetterKey),
            DeadLetterKeyId = deadLetterKeyId,
        }), Options.Create(new KafkaOptions { BootstrapServers = "unused:9092" }), Microsoft.Extensions.Logging.Abstractions.NullLogger<PrivacyKeys>.Instance);

}
