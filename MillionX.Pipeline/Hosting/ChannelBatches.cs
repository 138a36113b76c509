using System.Threading.Channels;

namespace MillionX.Pipeline.Hosting;

/// <summary>Micro-batching from a stage's queue: a batch closes when it is full or its first item is old enough.</summary>
public static class ChannelBatches
{
    /// <summary>
    /// Clears <paramref name="batch"/> and fills it: waits for a first item, then takes more until <paramref name="max"/>
    /// items or <paramref name="maxAge"/> after the first. When <paramref name="ct"/> is cancelled, what is queued or still
    /// arrives (up to <paramref name="max"/> at a time) is returned without waiting for age, so it can get a bounded
    /// last write, until the writer completes the queue. False when there is nothing more: completed and empty.
    /// </summary>
    public static async Task<bool> ReadAsync<T>(ChannelReader<T> reader, List<T> batch, int max, TimeSpan maxAge, CancellationToken ct)
    {
        batch.Clear();
        try
        {
            if (!await reader.WaitToReadAsync(ct))
            {
                return false;
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: the consumer may still hand over records it already read (it waits a bounded grace for them),
            // so keep taking them until it completes the queue; each batch then gets one bounded last write.
            if (!await reader.WaitToReadAsync(CancellationToken.None))
            {
                return false;
            }

            Drain(reader, batch, max);
            return batch.Count > 0;
        }

        using var age = CancellationTokenSource.CreateLinkedTokenSource(ct);
        age.CancelAfter(maxAge);
        try
        {
            while (batch.Count < max)
            {
                if (reader.TryRead(out var item))
                {
                    batch.Add(item);
                }
                else if (!await reader.WaitToReadAsync(age.Token))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Age reached, or shutting down: the batch is what we have.
        }

        return batch.Count > 0;
    }

    private static void Drain<T>(ChannelReader<T> reader, List<T> batch, int max)
    {
        while (batch.Count < max && reader.TryRead(out var item))
        {
            batch.Add(item);
        }
    }
}
