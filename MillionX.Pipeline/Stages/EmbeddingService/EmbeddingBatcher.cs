namespace MillionX.Pipeline.Stages.EmbeddingService;

/// <summary>
/// Pure: orders texts by token count and cuts them into inference batches. A batch is padded to its longest text,
/// so texts of similar length go together; a new batch starts when padding would exceed a quarter of the real
/// tokens or the batch is full. Arrival-order batches waste well over 100 % on padding.
/// </summary>
public static class EmbeddingBatcher
{
    public const double MaxPaddingRatio = 0.25;

    /// <summary>Indexes into <paramref name="tokenCounts"/>, grouped into batches.</summary>
    public static IReadOnlyList<IReadOnlyList<int>> Plan(IReadOnlyList<int> tokenCounts, int maxBatch)
    {
        var order = Enumerable.Range(0, tokenCounts.Count).OrderBy(i => tokenCounts[i]).ToList();
        var batches = new List<IReadOnlyList<int>>();
        var current = new List<int>();
        long real = 0;
        foreach (var i in order)
        {
            var n = tokenCounts[i];
            // Sorted ascending, so this text would be the batch's longest.
            var padded = (long)n * (current.Count + 1);
            if (current.Count > 0 && (current.Count >= maxBatch || padded > (real + n) * (1 + MaxPaddingRatio)))
            {
                batches.Add(current);
                current = [];
                real = 0;
            }

            current.Add(i);
            real += n;
        }

        if (current.Count > 0)
        {
            batches.Add(current);
        }

        return batches;
    }
}
