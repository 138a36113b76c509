namespace MillionX.Pipeline.Stages.EmbeddingService;

/// <summary>
/// The most recent per-record latencies (milliseconds) in a fixed-size ring, so exact percentiles can be computed in
/// process (the bench) without parsing histogram buckets. Memory stays bounded however long the stage runs.
/// </summary>
public sealed class LatencySamples(int capacity = LatencySamples.DefaultCapacity)
{
    public const int DefaultCapacity = 100_000;

    private readonly double[] _ring = new double[capacity];
    private readonly Lock _lock = new();
    private long _count;

    /// <summary>Samples recorded since start (may exceed what the ring still holds).</summary>
    public long Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    public void Add(double milliseconds)
    {
        lock (_lock)
        {
            _ring[_count % _ring.Length] = milliseconds;
            _count++;
        }
    }

    /// <summary>The retained samples, oldest first.</summary>
    public double[] Snapshot()
    {
        lock (_lock)
        {
            var n = (int)Math.Min(_count, _ring.Length);
            var result = new double[n];
            var start = _count > _ring.Length ? _count % _ring.Length : 0;
            for (var i = 0; i < n; i++)
            {
                result[i] = _ring[(start + i) % _ring.Length];
            }

            return result;
        }
    }
}
