using System.Collections.Concurrent;
using Confluent.Kafka;

namespace MillionX.Pipeline.Kafka;

/// <summary>
/// In-flight offsets of one assigned partition. Records may complete out of order (parallel work, delivery reports);
/// only the contiguous completed prefix may be committed, so a crash never skips an unfinished record.
/// </summary>
public sealed class PartitionOffsets(TopicPartition partition)
{
    private readonly Queue<long> _pending = new();
    private readonly HashSet<long> _done = [];
    private readonly Lock _lock = new();
    private long _storable = -1;

    /// <summary>1 while this partition waits in its stage's queue of offsets to store (see <see cref="TakeStorable"/>).</summary>
    internal int Queued;

    public TopicPartition Partition => partition;

    /// <summary>False once the partition was revoked; late completions are then ignored.</summary>
    public bool Active { get; internal set; } = true;

    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    public void Begin(long offset)
    {
        lock (_lock)
        {
            _pending.Enqueue(offset);
        }
    }

    /// <summary>Marks an offset done; returns the offset to commit (next to read) when the contiguous prefix grew.</summary>
    public long? Complete(long offset)
    {
        lock (_lock)
        {
            _done.Add(offset);
            long? commit = null;
            while (_pending.Count > 0 && _done.Remove(_pending.Peek()))
            {
                commit = _pending.Dequeue() + 1;
            }

            if (commit is { } c)
            {
                _storable = c;
            }

            return commit;
        }
    }

    /// <summary>The newest offset to commit that <see cref="Complete"/> found since the last call, if any.</summary>
    public long? TakeStorable()
    {
        lock (_lock)
        {
            var storable = _storable;
            _storable = -1;
            return storable < 0 ? null : storable;
        }
    }
}

/// <summary>The partitions a consumer owns and their in-flight offsets.</summary>
public sealed class OffsetTracker
{
    private readonly ConcurrentDictionary<TopicPartition, PartitionOffsets> _partitions = new();

    public PartitionOffsets For(TopicPartition tp) => _partitions.GetOrAdd(tp, p => new PartitionOffsets(p));

    public void Revoke(IEnumerable<TopicPartition> partitions)
    {
        foreach (var tp in partitions)
        {
            if (_partitions.TryRemove(tp, out var p))
            {
                p.Active = false;
            }
        }
    }

    public void RevokeAll() => Revoke(_partitions.Keys.ToList());

    public int InFlight => _partitions.Values.Sum(p => p.Pending);
}
