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
/// The consumer thread only reads records and hands them, in the order read, to one worker that validates,
/// anonymises and produces them: reading (librdkafka's copies, offsets, spans) and the privacy work then run on two
/// cores instead of taking turns on one thread. One worker keeps each partition's records in order. The queue
/// between them holds only records in flight, so <c>Kafka:MaxInFlightPerStage</c> bounds it; records already handed
/// over when the stage stops are still anonymised and produced, so the stop's drain can store their offsets.
/// </remarks>
public sealed class PrivacyShieldStage(StageServices services, RecordValidator validator, Anonymiser anonymiser, PipelineProducer producer)
    : ConsumerStage(StageName, services)
{
    public const string StageName = "privacy-shield";

    private const string SocialPrefix = "source.social.";
    private const string MarketPrefix = "source.market.";

    private readonly Channel<(ConsumeResult<byte[]?, byte[]> Record, RecordCompletion Completion)> _queue =
        Channel.CreateUnbounded<(ConsumeResult<byte[]?, byte[]>, RecordCompletion)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public override IReadOnlyCollection<string> Topics { get; } =
        [Kafka.Topics.SocialTiktok, Kafka.Topics.SocialFacebook, Kafka.Topics.MarketShopify, Kafka.Topics.MarketDaraz];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        RunWithWorkerAsync(WorkAsync, () => _queue.Writer.TryComplete(), stoppingToken);

    // False only once the queue is closed (the stage has stopped): the record's offset is not stored, it is read again.
    protected override void Handle(ConsumeResult<byte[]?, byte[]> record, RecordCompletion completion, CancellationToken ct) =>
        _queue.Writer.TryWrite((record, completion));

    private async Task WorkAsync(CancellationToken ct)
    {
        // Not cancelled by the stop: what was handed over is finished, and the queue ends when the consumer has closed.
        var reader = _queue.Reader;
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
