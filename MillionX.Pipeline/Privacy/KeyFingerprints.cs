using System.Security.Cryptography;
using Confluent.Kafka;

namespace MillionX.Pipeline.Privacy;

/// <summary>
/// Fingerprints of the privacy keys by key id, and the rule that one id names one key everywhere. A fingerprint is
/// HMAC-SHA256(key, "millionx-key-fingerprint") truncated to 128 bits: it identifies the key without revealing it (the
/// key cannot be recovered from it, and it is useless for hashing). Pure.
/// </summary>
public static class KeyFingerprints
{
    /// <summary>
    /// The compacted topic where every process records the fingerprints of its keys: every role reaches Kafka, while
    /// only sinks reach the warehouse, so this is where all processes that share hashes meet.
    /// </summary>
    public const string Topic = "privacy.key-fingerprints";

    public static string Of(ReadOnlySpan<byte> key)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, "millionx-key-fingerprint"u8, mac);
        return Convert.ToHexStringLower(mac[..16]);
    }

    /// <summary>The record keys and fingerprints of this process's keys: <c>hash:k1</c>, <c>dead-letter:d1</c> and older dead-letter keys.</summary>
    public static IReadOnlyDictionary<string, string> Of(PrivacyKeys keys)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal) { ["hash:" + keys.HashKeyId] = Of(keys.HashKey) };
        foreach (var (id, key) in keys.DeadLetterKeys)
        {
            d["dead-letter:" + id] = Of(key);
        }

        return d;
    }

    /// <summary>The first fingerprint recorded for each key id in log order (the first process to record an id owns it).</summary>
    public static Dictionary<string, string> FirstRecorded(IEnumerable<(string Id, string Fingerprint)> log)
    {
        var first = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, fingerprint) in log)
        {
            first.TryAdd(id, fingerprint);
        }

        return first;
    }

    /// <summary>The ids of <paramref name="mine"/> recorded with another fingerprint: (id, recorded, mine).</summary>
    public static IReadOnlyList<(string Id, string Recorded, string Mine)> Conflicts(IReadOnlyDictionary<string, string> mine, IReadOnlyDictionary<string, string> recorded) =>
        [.. mine.Where(m => recorded.TryGetValue(m.Key, out var r) && r != m.Value).Select(m => (m.Key, recorded[m.Key], m.Value)).OrderBy(c => c.Key, StringComparer.Ordinal)];

    public static string Describe(IReadOnlyList<(string Id, string Recorded, string Mine)> conflicts) =>
        "Another process uses a different key under the same key id ("
        + string.Join("; ", conflicts.Select(c => $"{Setting(c.Id)} '{c.Id[(c.Id.IndexOf(':', StringComparison.Ordinal) + 1)..]}': fingerprint {c.Recorded} recorded on {Topic}, this process has {c.Mine}"))
        + "). Hashes or dead letters made under one id with two keys never match: use the same key everywhere, or give a new key a new id (e.g. k2). "
        + "The fingerprint is HMAC-SHA256(key, \"millionx-key-fingerprint\"), never the key.";

    private static string Setting(string id) =>
        id.StartsWith("hash:", StringComparison.Ordinal) ? "Privacy:HashKeyId" : "Privacy:DeadLetterKeyId (or Privacy:PreviousDeadLetterKeys)";
}

/// <summary>
/// At start, after the broker is up: checks every key id of this process against the fingerprints recorded on
/// <see cref="KeyFingerprints.Topic"/> and records the ones not seen yet, so two processes with different keys under one
/// id fail loudly instead of writing hashes that never join. Skipped on the embedded broker (it lives and dies with
/// this process, so no other process can meet it there) and with the development keys (id <c>dev</c>, one public key).
/// </summary>
internal sealed class KeyFingerprintCheck(PrivacyKeys keys, KafkaCluster cluster, KafkaClientFactory clients, ILogger<KeyFingerprintCheck> logger) : IHostedService
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (cluster.IsEmbedded || keys.UsesDevelopmentKeys)
        {
            return;
        }

        var mine = KeyFingerprints.Of(keys);
        var recorded = Read();
        Fail(KeyFingerprints.Conflicts(mine, recorded));

        var missing = mine.Where(m => !recorded.ContainsKey(m.Key)).ToList();
        if (missing.Count == 0)
        {
            logger.LogInformation("Privacy key ids {Ids} match the fingerprints on {Topic}", string.Join(", ", mine.Keys), KeyFingerprints.Topic);
            return;
        }

        await ProduceAsync(missing, cancellationToken);

        // Two processes may have recorded the same new id at once: the first record in the log owns it.
        recorded = Read();
        var lost = KeyFingerprints.Conflicts(mine, recorded);
        if (lost.Count > 0)
        {
            // Record the owner again, so compaction (which keeps a key's last record) cannot keep ours instead.
            await ProduceAsync([.. lost.Select(c => new KeyValuePair<string, string>(c.Id, c.Recorded))], cancellationToken);
            Fail(lost);
        }

        logger.LogInformation("Privacy key ids {Ids} recorded on {Topic} (fingerprints, not keys)", string.Join(", ", missing.Select(m => m.Key)), KeyFingerprints.Topic);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static void Fail(IReadOnlyList<(string Id, string Recorded, string Mine)> conflicts)
    {
        if (conflicts.Count > 0)
        {
            throw new StartupException(KeyFingerprints.Describe(conflicts));
        }
    }

    /// <summary>
    /// The fingerprints recorded so far. The topic is in the catalog (compacted), created with the others at start or
    /// by <c>topics create</c>; the reader's one metadata request finds it missing.
    /// </summary>
    private Dictionary<string, string> Read()
    {
        try
        {
            return KeyFingerprints.FirstRecorded(
                new TopicSnapshotReader(clients).ReadToEnd([KeyFingerprints.Topic], Timeout)
                    .Where(r => r.Message.Key is not null && r.Message.Value is not null)
                    .Select(r => (Encoding.UTF8.GetString(r.Message.Key!), Encoding.UTF8.GetString(r.Message.Value))));
        }
        catch (TopicMissingException ex)
        {
            throw new StartupException(
                $"The topic {KeyFingerprints.Topic}, where processes check that a privacy key id names one key, does not exist; "
                + "create the catalog topics (`topics create`, or Kafka:Provisioning:Enabled=true).", ex);
        }
    }

    private async Task ProduceAsync(IReadOnlyList<KeyValuePair<string, string>> records, CancellationToken ct)
    {
        using var producer = clients.Producer<string, string>("key-fingerprints");
        foreach (var (id, fingerprint) in records)
        {
            await producer.ProduceAsync(KeyFingerprints.Topic, new Message<string, string> { Key = id, Value = fingerprint }, ct);
        }
    }
}
