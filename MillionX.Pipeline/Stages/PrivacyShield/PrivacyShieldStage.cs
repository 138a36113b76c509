using System.Diagnostics;
using System.Threading.Channels;
using Confluent.Kafka;

namespace MillionX.Pipeline.Stages.PrivacyShield;

/// <summary>
/// Consumes <c>source.social.*</c> and <c>source.market.*</c>, re-validates each record (topics can be written by
/// anyone), replaces personal data with keyed hashes and produces to <c>sink.weaviate.vectors</c> /
/// <c>sink.snowflake.orders</c>. A record's offset is stored once its anonymised form is acknowledged.
/// </summary>
/// <remarks>
/// The consumer thread only reads records and hands them, in the order read, to workers that validate, anonymise and
/// produce them (<see cref="PrivacyShieldOptions.Workers"/>, one per core by default): reading (librdkafka's copies,
/// offsets, spans) and the privacy work run on every core instead of taking turns on one thread. Each source
/// partition belongs to one worker, so its records are produced in the order read. The queues hold only records in
/// flight, so <c>Kafka:MaxInFlightPerStage</c> bounds them; records already handed over when the stage stops are still
/// anonymised and produced, so the stop's drain can store their offsets.
/// </remarks>
public sealed class PrivacyShieldStage(
    StageServices services, RecordValidator validator, Anonymiser anonymiser, PipelineProducer producer, IOptions<PrivacyShieldOptions> options)
    : ConsumerStage(StageName, services)
{
    public const string StageName = "privacy-shield";

    private const string SocialPrefix = "source.social.";
    private const string MarketPrefix = "source.market.";

    private readonly Channel<(ConsumeResult<byte[]?, byte[]> Record, RecordCompletion Completion)>[] _queues =
        [.. Enumerable.Range(0, options.Value.EffectiveWorkers).Select(_ =>
            Channel.CreateUnbounded<(ConsumeResult<byte[]?, byte[]>, RecordCompletion)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true }))];

    /// <summary>Workers this stage runs.</summary>
    public int Workers => _queues.Length;

    private static readonly string[] SourceTopics =
        [Kafka.Topics.SocialTiktok, Kafka.Topics.SocialFacebook, Kafka.Topics.MarketShopify, Kafka.Topics.MarketDaraz];

    public override IReadOnlyCollection<string> Topics => SourceTopics;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        RunWithWorkerAsync(_ => WorkAsync(), CompleteQueues, stoppingToken);

    // False only once the queues are closed (the stage has stopped): the record's offset is not stored, it is read again.
    protected override void Handle(ConsumeResult<byte[]?, byte[]> record, RecordCompletion completion, CancellationToken ct) =>
        _queues[WorkerOf(record.Topic, record.Partition.Value, _queues.Length)].Writer.TryWrite((record, completion));

    /// <summary>The worker that owns a source partition: the same one for as long as the stage runs.</summary>
    internal static int WorkerOf(string topic, int partition, int workers) =>
        (int)((uint)((Array.IndexOf(SourceTopics, topic) + 1) * 257 + partition) % (uint)workers);

    private void CompleteQueues()
    {
        foreach (var queue in _queues)
        {
            queue.Writer.TryComplete();
        }
    }

    /// <summary>Runs every worker; the first to fail fails the stage at once, not when the others end.</summary>
    private async Task WorkAsync()
    {
        var workers = _queues.Select(q => Task.Run(() => WorkAsync(q.Reader), CancellationToken.None)).ToList();
        while (workers.Count > 0)
        {
            var done = await Task.WhenAny(workers);
            await done;
            workers.Remove(done);
        }
    }

    private async Task WorkAsync(ChannelReader<(ConsumeResult<byte[]?, byte[]> Record, RecordCompletion Completion)> reader)
    {
        // Not cancelled by the stop: what was handed over is finished, and the queue ends when the consumer has closed.
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (reader.TryRead(out var item))
            {
                Process(item.Record, item.Completion);
            }
        }
    }

    /// <summary>Validates, anonymises and produces one record; a bad one is dead-lettered. Anything else fails the stage.</summary>
    private void Process(ConsumeResult<byte[]?, byte[]> record, RecordCompletion completion)
    {
        // The record's span is current while its output is sent, so the send span is its child.
        var span = completion.Span;
        if (span is not null)
        {
            Activity.Current = span;
        }

        try
        {
            var (outTopic, key, value) = Anonymise(record);
            producer.Produce(outTopic, key, value, PipelineHeaders.Rebuild(record.Message.Headers), report =>
            {
                if (report.Error.Code == ErrorCode.NoError)
                {
                    Counters.RecordOut(outTopic);
                    completion.Complete();
                }
                else
                {
                    completion.Fail(new KafkaException(report.Error));
                }
            });
        }
        catch (RecordRejectedException ex)
        {
            completion.DeadLetter(ex.Errors);
        }
        finally
        {
            PipelineTracing.Detach(span);
        }
    }

    private (string Topic, byte[] Key, byte[] Value) Anonymise(ConsumeResult<byte[]?, byte[]> record)
    {
        var raw = record.Message.Value ?? [];
        if (record.Topic.StartsWith(SocialPrefix, StringComparison.Ordinal))
        {
            var result = validator.ValidateSocialPost(raw, Platform(record.Topic, SocialPrefix));
            if (!result.IsValid)
            {
                throw new RecordRejectedException(result.Errors);
            }

            var post = anonymiser.Anonymise(result.Value!);
            return (Kafka.Topics.AnonymisedPosts, Encoding.UTF8.GetBytes(post.PostId), JsonSerializer.SerializeToUtf8Bytes(post, ContractJson.Default.AnonymisedPost));
        }

        var order = validator.ValidateMarketOrder(raw, Platform(record.Topic, MarketPrefix));
        if (!order.IsValid)
        {
            throw new RecordRejectedException(order.Errors);
        }

        var anonymised = anonymiser.Anonymise(order.Value!);
        return (Kafka.Topics.AnonymisedOrders, Encoding.UTF8.GetBytes(anonymised.OrderId), JsonSerializer.SerializeToUtf8Bytes(anonymised, ContractJson.Default.AnonymisedOrder));
    }

    /// <summary>The platform a source topic is for ("tiktok"), without a new string for the four the stage reads.</summary>
    private static string Platform(string topic, string prefix) => topic switch
    {
        Kafka.Topics.SocialTiktok => "tiktok",
        Kafka.Topics.SocialFacebook => "facebook",
        Kafka.Topics.MarketShopify => "shopify",
        Kafka.Topics.MarketDaraz => "daraz",
        _ => topic[prefix.Length..],
    };
}
