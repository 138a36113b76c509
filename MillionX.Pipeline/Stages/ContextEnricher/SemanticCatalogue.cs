using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Threading.Channels;
using Prometheus;

namespace MillionX.Pipeline.Stages.ContextEnricher;

/// <summary>
/// Catalogue product names as all-MiniLM-L6-v2 vectors, so a post matches the products it talks about by meaning
/// as well as by keyword ("new samsung phone with a great camera" finds "Galaxy A15 Smartphone"). Each name is
/// embedded once, on a background worker, as products are learnt: learning orders never waits for the model, and a
/// product whose name is not embedded yet is matched by keywords only until it is.
/// </summary>
public sealed class SemanticCatalogue(ITextEmbedder embedder, ILogger<SemanticCatalogue> logger) : BackgroundService
{
    private const int NamesPerBatch = 64;

    private static readonly Gauge EmbeddedNames = Metrics.CreateGauge(
        "millionx_catalogue_embedded_names", "Catalogue product names the enricher has embedded for semantic matching.");

    private readonly ConcurrentDictionary<string, (string Name, float[] Vector)> _vectors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _queued = new(StringComparer.Ordinal);
    private readonly Channel<string> _pending = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Names learnt but not embedded yet.</summary>
    public int Pending => _queued.Count;

    public int Embedded => _vectors.Count;

    /// <summary>Queues the product's name for embedding unless that exact name already has a vector (or is queued).</summary>
    public void Learn(CatalogueProduct product)
    {
        if (_vectors.TryGetValue(product.Key, out var known) && known.Name == product.Name)
        {
            return;
        }

        // The newest name wins: a queued key is embedded with whatever name it has when the worker gets to it.
        if (_queued.TryGetValue(product.Key, out var queuedName) && queuedName == product.Name)
        {
            return;
        }

        var fresh = _queued.TryAdd(product.Key, product.Name);
        _queued[product.Key] = product.Name;
        if (fresh)
        {
            _pending.Writer.TryWrite(product.Key);
        }
    }

    /// <summary>The post's vector: one inference of the post's text.</summary>
    public float[] EmbedPost(string text) => embedder.Embed([text])[0];

    /// <summary>Cosine similarity of the post to every product whose name is embedded (vectors are unit length).</summary>
    public Dictionary<string, float> Similarities(float[] post, IEnumerable<CatalogueProduct> products)
    {
        var scores = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var p in products)
        {
            if (_vectors.TryGetValue(p.Key, out var v))
            {
                scores[p.Key] = TensorPrimitives.Dot(post, v.Vector);
            }
        }

        return scores;
    }

    /// <summary>
    /// The similarities that matter for one post: every embedded product at or above <paramref name="threshold"/>, and
    /// the keyword candidates (for ranking them). One dot product per embedded name; only those are kept.
    /// </summary>
    public Dictionary<string, float> Similarities(float[] post, double threshold, IReadOnlySet<string> candidates)
    {
        var scores = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var (key, (_, vector)) in _vectors)
        {
            var score = TensorPrimitives.Dot(post, vector);
            if (score >= threshold || candidates.Contains(key))
            {
                scores[key] = score;
            }
        }

        return scores;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var keys = new List<string>(NamesPerBatch);
        try
        {
            while (await _pending.Reader.WaitToReadAsync(stoppingToken))
            {
                keys.Clear();
                while (keys.Count < NamesPerBatch && _pending.Reader.TryRead(out var key))
                {
                    keys.Add(key);
                }

                var names = keys.Select(k => _queued.TryGetValue(k, out var n) ? n : "").ToList();
                var vectors = embedder.Embed(names);
                for (int i = 0; i < keys.Count; i++)
                {
                    _vectors[keys[i]] = (names[i], vectors[i]);

                    // A rename queued while this batch ran stays queued: it is embedded again with its new name.
                    if (!_queued.TryRemove(new KeyValuePair<string, string>(keys[i], names[i])))
                    {
                        _pending.Writer.TryWrite(keys[i]);
                    }
                }

                EmbeddedNames.Set(_vectors.Count);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogDebug("Semantic catalogue stops with {Pending} names not embedded yet", _queued.Count);
        }
    }
}
