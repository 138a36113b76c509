using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MillionX.Pipeline.VectorStore;

/// <summary>
/// An in-memory int8 copy of the vector store's vectors, used to pick the few rows that can be in a query's exact
/// top-k so that DuckDB scores only those. Each vector is kept as <c>scale * q</c> with <c>q</c> 8-bit, plus the
/// exact length of what that rounding lost; with the query rounded the same way, Cauchy-Schwarz bounds every
/// approximate cosine by an interval that certainly holds the exact one. Rows whose upper bound reaches the k-th
/// best lower bound (less <see cref="Slack"/> for float rounding in DuckDB's own arithmetic) are the candidates: the
/// exact top-k is always among them. One byte a dimension instead of float32's four: with the id and per-row numbers about
/// 500 bytes a row at 384 dimensions (~50 MiB for 100,000 vectors, against 154 MB for the floats alone).
/// Pure: no I/O, not thread-safe (the store calls it under its session lock).
/// </summary>
internal sealed class QuantisedVectorIndex
{
    /// <summary>
    /// What the candidate choice allows for rounding: DuckDB computes the cosine in float32 (about 384 * 2^-24 relative
    /// on the dot product, plus the norms), twice that covers the k-th score and a candidate's score moving apart.
    /// </summary>
    public const double Slack = 1e-4;

    private const int ChunkRows = 4096;

    private readonly int _dimensions;
    private readonly int _stride; // dimensions rounded up to whole 32-byte vectors; the padding stays 0
    private readonly List<sbyte[]> _chunks = [];
    private readonly Dictionary<string, int> _rows = new(StringComparer.Ordinal);
    private readonly List<string> _platforms = [];
    private string[] _ids = [];
    private int[] _platformOf = [];
    private float[] _scale = [];   // v ~ scale * q
    private float[] _error = [];   // |v - scale * q|, rounded up
    private float[] _length = [];  // |v|
    private float[] _rounded = []; // |scale * q|, rounded up
    private long[] _writtenAtUs = [];
    private int[] _dots = [];

    public QuantisedVectorIndex(int dimensions)
    {
        _dimensions = dimensions;
        _stride = (dimensions + 31) / 32 * 32;
    }

    public int Count { get; private set; }

    /// <summary>Sum of every row's written-at time (microseconds since 1970): with <see cref="Count"/>, what the table must show for this copy to be current.</summary>
    public Int128 WrittenAtSum { get; private set; }

    /// <summary>Bytes held (vectors, per-row numbers, ids), for the log.</summary>
    public long Bytes => (long)_chunks.Count * ChunkRows * _stride + (long)_ids.Length * (4 * sizeof(float) + sizeof(long) + sizeof(int) + sizeof(int) + 8 + 24)
        + _ids.Take(Count).Sum(id => 22L + 2 * id.Length);

    /// <summary>Adds a row, or replaces the row with the same id.</summary>
    public void Set(string id, string platform, ReadOnlySpan<float> vector, long writtenAtUs)
    {
        if (vector.Length != _dimensions)
        {
            throw new ArgumentException($"Vector {id} has {vector.Length} dimensions; the index holds {_dimensions}.");
        }

        if (_rows.TryGetValue(id, out var row))
        {
            WrittenAtSum -= _writtenAtUs[row];
        }
        else
        {
            row = Count++;
            Grow(Count);
            _rows[id] = row;
            _ids[row] = id;
        }

        var platformIndex = _platforms.IndexOf(platform);
        if (platformIndex < 0)
        {
            platformIndex = _platforms.Count;
            _platforms.Add(platform);
        }

        _platformOf[row] = platformIndex;
        _writtenAtUs[row] = writtenAtUs;
        WrittenAtSum += writtenAtUs;
        var q = Row(row);
        (_scale[row], _error[row], _length[row], _rounded[row]) = Quantise(vector, q);
    }

    /// <summary>
    /// The ids that can be in the exact top <paramref name="top"/> by cosine (of rows on <paramref name="platform"/>
    /// when given), or null when the query cannot be bounded (zero or not finite): then only a full scan is exact.
    /// </summary>
    public List<string>? Candidates(ReadOnlySpan<float> query, int top, string? platform)
    {
        if (query.Length != _dimensions)
        {
            throw new ArgumentException($"The query has {query.Length} dimensions; the index holds {_dimensions}.");
        }

        var q = new sbyte[_stride];
        var (queryScale, queryError, queryLength, _) = Quantise(query, q);
        if (!(queryLength > 0) || !double.IsFinite(queryLength))
        {
            return null;
        }

        var wanted = platform is null ? -1 : _platforms.IndexOf(platform);
        if (platform is not null && wanted < 0)
        {
            return [];
        }

        var queryWide = new short[_stride];
        for (int i = 0; i < _stride; i++)
        {
            queryWide[i] = q[i];
        }

        if (_dots.Length < Count)
        {
            _dots = new int[_ids.Length];
        }

        for (int c = 0, row = 0; row < Count; c++)
        {
            var rows = Math.Min(ChunkRows, Count - row);
            Dots(_chunks[c].AsSpan(0, rows * _stride), queryWide, _dots.AsSpan(row, rows));
            row += rows;
        }

        // The k-th best lower bound; zero-length rows score NaN in DuckDB (first in a descending sort): always candidates.
        var best = new PriorityQueue<int, double>(top + 1);
        for (int row = 0; row < Count; row++)
        {
            if ((wanted < 0 || _platformOf[row] == wanted) && _length[row] > 0)
            {
                var (low, _) = Bounds(row, queryScale, queryError, queryLength);
                if (best.Count < top)
                {
                    best.Enqueue(row, low);
                }
                else if (best.TryPeek(out _, out var worst) && low > worst)
                {
                    best.EnqueueDequeue(row, low);
                }
            }
        }

        var threshold = best.Count < top || !best.TryPeek(out _, out var kth) ? double.NegativeInfinity : kth - Slack;
        var candidates = new List<string>();
        for (int row = 0; row < Count; row++)
        {
            if ((wanted < 0 || _platformOf[row] == wanted) && (!(_length[row] > 0) || Bounds(row, queryScale, queryError, queryLength).High >= threshold))
            {
                candidates.Add(_ids[row]);
            }
        }

        return candidates;
    }

    private (double Low, double High) Bounds(int row, double queryScale, double queryError, double queryLength)
    {
        // q.v - q'.v' = q.(v - v') + (q - q').v'  =>  |q.v - q'.v'| <= |q| |v - v'| + |q - q'| |v'|
        var approx = queryScale * _scale[row] * _dots[row];
        var bound = queryLength * _error[row] + queryError * _rounded[row];
        var norm = queryLength * _length[row];
        return ((approx - bound) / norm, (approx + bound) / norm);
    }

    /// <summary>Rounds <paramref name="v"/> to <c>scale * q</c>; returns the scale, the rounding's length (rounded up), |v| and |scale * q| (rounded up).</summary>
    private static (float Scale, float Error, float Length, float Rounded) Quantise(ReadOnlySpan<float> v, Span<sbyte> q)
    {
        double max = 0, length = 0;
        foreach (var x in v)
        {
            max = Math.Max(max, Math.Abs((double)x));
            length += (double)x * x;
        }

        if (!(max > 0) || !double.IsFinite(length))
        {
            q.Clear();
            return (0, 0, double.IsFinite(length) ? 0 : float.NaN, 0);
        }

        var scale = (float)(max / 127);
        double error = 0, rounded = 0;
        for (int i = 0; i < v.Length; i++)
        {
            var r = (sbyte)Math.Clamp(Math.Round(v[i] / (double)scale), -127, 127);
            q[i] = r;
            var back = (double)scale * r;
            error += (v[i] - back) * (v[i] - back);
            rounded += back * back;
        }

        return (scale, Up(Math.Sqrt(error)), (float)Math.Sqrt(length), Up(Math.Sqrt(rounded)));

        // A float not below the double: the bounds only ever widen.
        static float Up(double x) => MathF.BitIncrement((float)x);
    }

    /// <summary>Integer dot products of each row with the query (exact: |q| <= 127, so a product fits in 16 bits and a sum in 32).</summary>
    private void Dots(ReadOnlySpan<sbyte> rows, ReadOnlySpan<short> query, Span<int> dots)
    {
        for (int row = 0; row < dots.Length; row++)
        {
            var r = rows.Slice(row * _stride, _stride);
            var sum = Vector256<int>.Zero;
            for (int i = 0; i < _stride; i += 32)
            {
                var (low, high) = Vector256.Widen(Vector256.Create(r.Slice(i, 32)));
                var qLow = Vector256.Create(query.Slice(i, 16));
                var qHigh = Vector256.Create(query.Slice(i + 16, 16));
                if (Avx2.IsSupported)
                {
                    sum += Avx2.MultiplyAddAdjacent(low, qLow) + Avx2.MultiplyAddAdjacent(high, qHigh);
                }
                else
                {
                    var (a, b) = Vector256.Widen(low * qLow);
                    var (c, d) = Vector256.Widen(high * qHigh);
                    sum += a + b + c + d;
                }
            }

            dots[row] = Vector256.Sum(sum);
        }
    }

    private Span<sbyte> Row(int row) => _chunks[row / ChunkRows].AsSpan(row % ChunkRows * _stride, _stride);

    private void Grow(int rows)
    {
        while (_chunks.Count * ChunkRows < rows)
        {
            _chunks.Add(new sbyte[ChunkRows * _stride]);
        }

        if (_ids.Length < rows)
        {
            var size = Math.Max(rows, Math.Max(1024, _ids.Length * 2));
            Array.Resize(ref _ids, size);
            Array.Resize(ref _platformOf, size);
            Array.Resize(ref _scale, size);
            Array.Resize(ref _error, size);
            Array.Resize(ref _length, size);
            Array.Resize(ref _rounded, size);
            Array.Resize(ref _writtenAtUs, size);
        }
    }
}
