using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.Kafka;

namespace MillionX.Pipeline.Privacy;

/// <summary>The resolved privacy keys. Fails at start when production runs without keys.</summary>
public sealed class PrivacyKeys
{
    // Publicly known and therefore not secret: used only with the embedded broker, with a warning.
    private static readonly byte[] DevHashKey = SHA256.HashData("millionx-development-hash-key-not-secret"u8);
    private static readonly byte[] DevDeadLetterKey = SHA256.HashData("millionx-development-dead-letter-key-not-secret"u8);

    public PrivacyKeys(IOptions<PrivacyOptions> options, IOptions<KafkaOptions> kafka, ILogger<PrivacyKeys> logger)
    {
        var o = options.Value;
        var production = !kafka.Value.IsEmbedded;
        HashKeyId = o.HashKeyId;
        DeadLetterKeyId = o.DeadLetterKeyId;
        HashKey = Resolve(o.HashKey, "Privacy:HashKey", DevHashKey, minBytes: 32, exactBytes: null);
        DeadLetterKey = Resolve(o.DeadLetterKey, "Privacy:DeadLetterKey", DevDeadLetterKey, minBytes: 32, exactBytes: 32);
        DeadLetterKeys = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [o.DeadLetterKeyId] = DeadLetterKey };
        foreach (var (id, key) in o.PreviousDeadLetterKeys)
        {
            DeadLetterKeys.TryAdd(id, Decode(key, $"Privacy:PreviousDeadLetterKeys:{id}", 32, 32));
        }

        byte[] Resolve(string configured, string name, byte[] dev, int minBytes, int? exactBytes)
        {
            if (!string.IsNullOrWhiteSpace(configured))
            {
                return Decode(configured, name, minBytes, exactBytes);
            }

            if (production || !o.AllowDevelopmentKeys)
            {
                throw new OptionsValidationException(PrivacyOptions.Section, typeof(PrivacyOptions),
                [
                    $"{name} is not set. With a real Kafka broker (production) the pipeline refuses to run without it: "
                    + $"set {name} (env {name.Replace(":", "__", StringComparison.Ordinal)}) to a base64 key of {minBytes}+ random bytes, e.g. `openssl rand -base64 32`.",
                ]);
            }

            logger.LogWarning(
                "{Name} is not set: using the PUBLIC DEVELOPMENT key. Hashes and encrypted dead letters are NOT protected. "
                + "This is allowed only with the embedded broker; set {Name} for anything real.", name, name);
            UsesDevelopmentKeys = true;
            return dev;
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
