using System.Collections.Concurrent;
using Confluent.Kafka;

namespace MillionX.Pipeline.DeadLetters;

/// <summary>What one replay did. In a dry run <see cref="Replayed"/> counts the letters that would be re-published.</summary>
public sealed record ReplaySummary
{
    public long Read { get; init; }
    public long Selected { get; init; }
    public long AlreadyReplayed { get; init; }
    public long Replayed { get; init; }
    public required IReadOnlyDictionary<string, long> ReplayedByTopic { get; init; }
    public long Left { get; init; }
    public required IReadOnlyDictionary<string, long> LeftByReason { get; init; }

    /// <summary>Re-published records the broker did not acknowledge: they stay out of the ledger and are tried again next time.</summary>
    public long PublishFailures { get; init; }

    /// <summary>Re-published and acknowledged, but their ledger marker was not: the next replay re-publishes them once more.</summary>
    public long LedgerFailures { get; init; }
    public bool DryRun { get; init; }
}

/// <summary>
/// Replays dead letters: reads the ledger, reads the dead-letter topics to their current end, re-validates every
/// selected letter not yet in the ledger, re-publishes those that pass to their source topic (retry count + 1),
/// and only when that is acknowledged writes the letter's ledger marker. Letters that still fail are left in place.
/// </summary>
public sealed class DeadLetterReplayer(TopicSnapshotReader reader, DeadLetterRevalidation revalidation, PipelineProducer producer, TimeProvider clock, ILogger<DeadLetterReplayer> logger)
{
    /// <summary>Replays the letters of the dead-letter topics, with the broker's replay ledger.</summary>
    public Task<ReplaySummary> ReplayAsync(IReadOnlyCollection<string> topics, string? reason, bool dryRun, TimeSpan timeout) =>
        ReplayAsync(reader.ReadToEnd(topics, timeout).Select(DeadLetterReading.Parse), ReplayLedger.Load(reader, timeout),
            delivered => WriteMarkersAsync(delivered, timeout), reason, dryRun, timeout);

    /// <summary>
    /// Replays <paramref name="letters"/> except those in <paramref name="ledger"/>; <paramref name="recordReplayed"/>
    /// records the acknowledged ones and answers how many it could not record.
    /// </summary>
    public async Task<ReplaySummary> ReplayAsync(
        IEnumerable<DeadLetterRecord> letters, IReadOnlySet<string> ledger, Func<IReadOnlyList<(DeadLetterRecord Letter, int RetryCount)>, Task<long>> recordReplayed,
        string? reason, bool dryRun, TimeSpan timeout)
    {
        long read = 0, selected = 0, already = 0, failures = 0, outstanding = 0;
        var left = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var wouldReplay = new List<(DeadLetterRecord Letter, string Topic)>();
        var delivered = new ConcurrentQueue<(DeadLetterRecord Letter, string Topic, int RetryCount)>();
        foreach (var letter in letters)
        {
            read++;
            if (reason is not null && DeadLetterInspector.ReasonOf(letter) != reason)
            {
                continue;
            }

            selected++;
            if (ledger.Contains(letter.Id))
            {
                already++;
                continue;
            }

            var verdict = revalidation.Check(letter.Envelope);
            if (!verdict.Passes)
            {
                left[verdict.Reason] = left.GetValueOrDefault(verdict.Reason) + 1;
                continue;
            }

            if (dryRun)
            {
                wouldReplay.Add((letter, verdict.Topic!));
                continue;
            }

            var retryCount = letter.Envelope!.RetryCount + 1;
            var headers = PipelineHeaders.WithIngestedAt(clock.GetUtcNow());
            headers.Add(DeadLetterHeaders.RetryCount, Encoding.UTF8.GetBytes(retryCount.ToString(CultureInfo.InvariantCulture)));
            headers.Add(ReplayLedger.ReplayOfHeader, Encoding.UTF8.GetBytes(letter.Id));
            Interlocked.Increment(ref outstanding);
            producer.Produce(verdict.Topic!, verdict.Key, verdict.Value!, headers, report =>
            {
                if (report.Error.Code == ErrorCode.NoError)
                {
                    delivered.Enqueue((letter, verdict.Topic!, retryCount));
                }
                else
                {
                    Interlocked.Increment(ref failures);
                }

                Interlocked.Decrement(ref outstanding);
            });
        }

        await DrainAsync(() => Interlocked.Read(ref outstanding), timeout);
        failures += Interlocked.Exchange(ref outstanding, 0);

        // Markers only for acknowledged records: a record that was never delivered must be tried again next time.
        var ledgerFailures = delivered.IsEmpty ? 0 : await recordReplayed(delivered.Select(d => (d.Letter, d.RetryCount)).ToList());
        if (ledgerFailures > 0)
        {
            logger.LogError("{Count} replayed dead letters could not be recorded in the replay ledger; the next replay re-publishes them once more", ledgerFailures);
        }

        var replayed = dryRun ? wouldReplay.Select(w => w.Topic).ToList() : delivered.Select(d => d.Topic).ToList();
        return new ReplaySummary
        {
            Read = read,
            Selected = selected,
            AlreadyReplayed = already,
            Replayed = replayed.Count,
            ReplayedByTopic = new SortedDictionary<string, long>(replayed.GroupBy(t => t).ToDictionary(g => g.Key, g => (long)g.Count()), StringComparer.Ordinal),
            Left = left.Values.Sum(),
            LeftByReason = left,
            PublishFailures = failures,
            LedgerFailures = ledgerFailures,
            DryRun = dryRun,
        };
    }

    /// <summary>One marker per replayed letter on the broker's ledger topic; answers how many were not acknowledged.</summary>
    private async Task<long> WriteMarkersAsync(IReadOnlyList<(DeadLetterRecord Letter, int RetryCount)> delivered, TimeSpan timeout)
    {
        long ledgerFailures = 0, markersOutstanding = 0;
        var now = clock.GetUtcNow();
        foreach (var (letter, retryCount) in delivered)
        {
            var (key, value) = ReplayLedger.Marker(letter, DeadLetterInspector.ReasonOf(letter), retryCount, now);
            Interlocked.Increment(ref markersOutstanding);
            producer.Produce(ReplayLedger.Topic, key, value, null, report =>
            {
                if (report.Error.Code != ErrorCode.NoError)
                {
                    Interlocked.Increment(ref ledgerFailures);
                }

                Interlocked.Decrement(ref markersOutstanding);
            });
        }

        await DrainAsync(() => Interlocked.Read(ref markersOutstanding), timeout);
        return ledgerFailures + Interlocked.Exchange(ref markersOutstanding, 0);
    }

    private async Task DrainAsync(Func<long> outstanding, TimeSpan timeout)
    {
        producer.Flush(timeout);
        var deadline = DateTime.UtcNow + timeout;
        while (outstanding() > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
    }
}
