using Confluent.Kafka;
using MillionX.Pipeline.Stages.ContextEnricher;
using MillionX.Pipeline.Stages.PrivacyShield;
using MillionX.Pipeline.Stages.SampleSource;

namespace MillionX.Pipeline.Bench;

/// <summary>One Kafka record the bench produces.</summary>
public sealed record BenchRecord(string Topic, byte[] Key, byte[] Value)
{
    public int Bytes => Key.Length + Value.Length;
}

/// <summary>
/// Realistic records for each measurement, made with the pipeline's own code: the sample generator's raw records
/// admitted by <see cref="SourceGate"/> (canonical source records), anonymised by the privacy shield's
/// <see cref="Anonymiser"/>, and enriched by the enricher's <see cref="ProductMatcher"/>.
/// </summary>
public sealed class BenchWorkload(ValidationLimits limits, byte[] hashKey)
{
    private static readonly SourceKind[] SocialKinds = [SourceKind.Tiktok, SourceKind.Facebook];
    private static readonly SourceKind[] MarketKinds = [SourceKind.Shopify, SourceKind.Daraz];

    private readonly SourceGate _gate = new(new RecordValidator(limits, TimeProvider.System));
    private readonly Anonymiser _anonymiser = new(new PiiScrubber(new PiiHasher(hashKey, "k1")));
    private readonly ProductMatcher _matcher = new(new ContextEnricherOptions().KeywordsOrDefault(), new ContextEnricherOptions().MaxMatches);
    private readonly RecordValidator _validator = new(limits, TimeProvider.System);

    /// <summary><paramref name="count"/> valid canonical records on the four social and market source topics.</summary>
    public List<BenchRecord> SourceRecords(int count, int seed) =>
        Canonical(count, seed, [.. SocialKinds, .. MarketKinds]).Select(r => new BenchRecord(r.Kind.Topic(), r.Key, r.Value)).ToList();

    /// <summary>Canonical social posts (what a source publishes), for paced end-to-end load.</summary>
    public IEnumerable<(SourceKind Kind, byte[] Key, byte[] Value)> SocialStream(int seed) => Stream(seed, SocialKinds);

    /// <summary>Raw social posts as a source hands them to <see cref="SourcePublisher"/> (each one admitted by the gate).</summary>
    public List<(SourceKind Kind, byte[] Raw)> RawPosts(int count, int seed) => Admitted(seed, SocialKinds).Take(count).Select(a => (a.Kind, a.Raw)).ToList();

    /// <summary>Raw orders as a source hands them to <see cref="SourcePublisher"/> (each one admitted by the gate).</summary>
    public List<(SourceKind Kind, byte[] Raw)> RawOrders(int count, int seed) => Admitted(seed, MarketKinds).Take(count).Select(a => (a.Kind, a.Raw)).ToList();

    /// <summary>
    /// Raw records of every source kind that the gate rejects (the sample generator's deliberately broken ones), with
    /// the gate's errors: what <see cref="SourcePublisher"/> dead-letters.
    /// </summary>
    public IEnumerable<(SourceKind Kind, byte[] Raw, IReadOnlyList<ValidationError> Errors)> Rejected(int seed)
    {
        var generator = new SampleRecordGenerator(seed, 1.0, [.. SocialKinds, .. MarketKinds, SourceKind.Weather], TimeProvider.System);
        while (true)
        {
            var sample = generator.Next();
            var result = _gate.Admit(sample.Kind, sample.Raw);
            if (!result.Accepted)
            {
                yield return (sample.Kind, sample.Raw, result.Errors);
            }
        }
    }

    /// <summary>Canonical orders, so the enricher learns a catalogue during the end-to-end run.</summary>
    public List<(SourceKind Kind, byte[] Key, byte[] Value)> Orders(int count, int seed) => Stream(seed, MarketKinds).Take(count).ToList();

    /// <summary>Anonymised orders exactly as the privacy shield writes them to <c>sink.snowflake.orders</c>.</summary>
    public List<BenchRecord> AnonymisedOrders(int count, int seed) => AnonymisedOrderStream(seed).Take(count).ToList();

    /// <summary>The same orders as <see cref="AnonymisedOrders"/> for the same seed, made as they are read.</summary>
    public IEnumerable<BenchRecord> AnonymisedOrderStream(int seed) =>
        Stream(seed, MarketKinds).Select(r =>
        {
            var order = _anonymiser.Anonymise(_validator.ValidateMarketOrder(r.Value, r.Kind.Name()).Value!);
            return new BenchRecord(Kafka.Topics.AnonymisedOrders, Encoding.UTF8.GetBytes(order.OrderId), JsonSerializer.SerializeToUtf8Bytes(order, ContractJson.Default.AnonymisedOrder));
        });

    /// <summary>Anonymised posts exactly as the privacy shield writes them to <c>sink.weaviate.vectors</c>.</summary>
    public List<BenchRecord> AnonymisedPosts(int count, int seed) =>
        Stream(seed, SocialKinds).Take(count).Select(r =>
        {
            var post = _anonymiser.Anonymise(_validator.ValidateSocialPost(r.Value, r.Kind.Name()).Value!);
            return new BenchRecord(Kafka.Topics.AnonymisedPosts, Encoding.UTF8.GetBytes(post.PostId), JsonSerializer.SerializeToUtf8Bytes(post, ContractJson.Default.AnonymisedPost));
        }).ToList();

    /// <summary>Enriched posts as the enricher writes them to <c>enriched.weaviate.vectors</c>, matched against a catalogue of generated orders.</summary>
    public IEnumerable<EnrichedPost> EnrichedPosts(int seed)
    {
        var catalogue = new Dictionary<string, CatalogueProduct>(StringComparer.Ordinal);
        foreach (var r in Stream(seed + 1, MarketKinds).Take(200))
        {
            var order = _anonymiser.Anonymise(_validator.ValidateMarketOrder(r.Value, r.Kind.Name()).Value!);
            var key = $"{order.Platform}:{order.ProductId}";
            catalogue[key] = CatalogueProduct.Merge(catalogue.GetValueOrDefault(key), order);
        }

        foreach (var r in Stream(seed, SocialKinds))
        {
            var post = _anonymiser.Anonymise(_validator.ValidateSocialPost(r.Value, r.Kind.Name()).Value!);
            var matches = _matcher.Match(post, catalogue.Values);
            yield return ProductMatcher.Enrich(post, matches);
        }
    }

    public static BenchRecord ToRecord(EnrichedPost post) =>
        new(Kafka.Topics.EnrichedPosts, Encoding.UTF8.GetBytes(post.PostId), JsonSerializer.SerializeToUtf8Bytes(post, ContractJson.Default.EnrichedPost));

    /// <summary>Largest anonymised form of a source record (the privacy shield's output), for sizing sink partitions.</summary>
    public int AnonymisedBytes(BenchRecord source)
    {
        var kind = SourceKinds.TryParse(source.Topic[(source.Topic.LastIndexOf('.') + 1)..], out var k) ? k : SourceKind.Tiktok;
        return kind is SourceKind.Tiktok or SourceKind.Facebook
            ? JsonSerializer.SerializeToUtf8Bytes(_anonymiser.Anonymise(_validator.ValidateSocialPost(source.Value, kind.Name()).Value!), ContractJson.Default.AnonymisedPost).Length + source.Key.Length
            : JsonSerializer.SerializeToUtf8Bytes(_anonymiser.Anonymise(_validator.ValidateMarketOrder(source.Value, kind.Name()).Value!), ContractJson.Default.AnonymisedOrder).Length + source.Key.Length;
    }

    private List<(SourceKind Kind, byte[] Key, byte[] Value)> Canonical(int count, int seed, SourceKind[] kinds) => Stream(seed, kinds).Take(count).ToList();

    /// <summary>Valid records only: the generator makes no deliberately broken ones, and the gate must accept every record it keeps.</summary>
    private IEnumerable<(SourceKind Kind, byte[] Key, byte[] Value)> Stream(int seed, IReadOnlyList<SourceKind> kinds) =>
        Admitted(seed, kinds).Select(a => (a.Kind, a.Key, a.Value));

    private IEnumerable<(SourceKind Kind, byte[] Raw, byte[] Key, byte[] Value)> Admitted(int seed, IReadOnlyList<SourceKind> kinds)
    {
        var generator = new SampleRecordGenerator(seed, 0, kinds, TimeProvider.System);
        var rejected = 0;
        while (true)
        {
            var sample = generator.Next();
            var result = _gate.Admit(sample.Kind, sample.Raw);
            if (!result.Accepted)
            {
                // A generator that stops producing valid records would loop forever; fail instead.
                if (++rejected > 1000)
                {
                    throw new InvalidOperationException($"The sample generator's records are rejected by validation ({result.Reason}).");
                }

                continue;
            }

            yield return (sample.Kind, sample.Raw, result.Key!, result.Value!);
        }
    }
}
