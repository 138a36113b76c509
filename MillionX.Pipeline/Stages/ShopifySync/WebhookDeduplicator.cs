namespace MillionX.Pipeline.Stages.ShopifySync;

/// <summary>
/// The last N webhook ids (least recently seen forgotten first). A duplicate that arrives while the first delivery is
/// still producing waits for its outcome; a delivery that failed is forgotten so Shopify's retry is processed again.
/// </summary>
public sealed class WebhookDeduplicator(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Id, TaskCompletionSource<bool> Outcome)>> _index = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Id, TaskCompletionSource<bool> Outcome)> _order = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _index.Count;
            }
        }
    }

    /// <summary>
    /// First sight of <paramref name="id"/>: <see cref="Claim.First"/> is true and the caller must call <see cref="Complete"/>.
    /// Otherwise <see cref="Claim.Outcome"/> completes with whether the first delivery was produced.
    /// </summary>
    public Claim Begin(string id)
    {
        lock (_lock)
        {
            if (_index.TryGetValue(id, out var node))
            {
                _order.Remove(node);
                _order.AddLast(node);
                return new Claim(id, false, node.Value.Outcome);
            }

            var outcome = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _index[id] = _order.AddLast((id, outcome));
            while (_index.Count > capacity && _order.First is { } oldest)
            {
                _order.RemoveFirst();
                _index.Remove(oldest.Value.Id);
            }

            return new Claim(id, true, outcome);
        }
    }

    public void Complete(Claim claim, bool produced)
    {
        if (!produced)
        {
            lock (_lock)
            {
                if (_index.TryGetValue(claim.Id, out var node) && node.Value.Outcome == claim.Source)
                {
                    _order.Remove(node);
                    _index.Remove(claim.Id);
                }
            }
        }

        claim.Source.TrySetResult(produced);
    }

    /// <summary>One delivery's hold on a webhook id.</summary>
    public sealed class Claim
    {
        internal Claim(string id, bool first, TaskCompletionSource<bool> source)
        {
            Id = id;
            First = first;
            Source = source;
        }

        public string Id { get; }

        public bool First { get; }

        /// <summary>Whether the first delivery of this id was produced.</summary>
        public Task<bool> Outcome => Source.Task;

        internal TaskCompletionSource<bool> Source { get; }
    }
}
