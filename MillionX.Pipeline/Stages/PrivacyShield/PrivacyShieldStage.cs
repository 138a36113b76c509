using Confluent.Kafka;

namespace MillionX.Pipeline.Stages.PrivacyShield;

/// <summary>
/// Consumes <c>source.social.*</c> and <c>source.market.*</c>, re-validates each record (topics can be written by
/// anyone), replaces personal data with keyed hashes and produces to <c>sink.weaviate.vectors</c> /
/// <c>sink.snowflake.orders</c>. A record's offset is stored once its anonymised form is acknowledged.
/// </summary>
public sealed class PrivacyShieldStage(StageServices services, RecordValidator validator, Anonymiser anonymiser, PipelineProducer producer)
    : ConsumerStage(StageName, services)
{
    public const string StageName = "privacy-shield";

    public override IReadOnlyCollection<string> Topics { get; } =
        [Kafka.Topics.SocialTiktok, Kafka.Topics.SocialFacebook, Kafka.Topics.MarketShopify, Kafka.Topics.MarketDaraz];

    protected override void Handle(ConsumeResult<byte[]?, byte[]> record, RecordCompletion completion, CancellationToken ct)
    {
        var raw = record.Message.Value ?? [];
        string outTopic;
        byte[] key, value;
        if (record.Topic.StartsWith("source.social.", StringComparison.Ordinal))
        {
            var result = validator.ValidateSocialPost(raw, record.Topic["source.social.".Length..]);
            if (!result.IsValid)
            {
                throw new RecordRejectedException(result.Errors);
            }

            var post = anonymiser.Anonymise(result.Value!);
            (outTopic, key, value) = (Kafka.Topics.AnonymisedPosts, Encoding.UTF8.GetBytes(post.PostId), JsonSerializer.SerializeToUtf8Bytes(post, ContractJson.Default.AnonymisedPost));
        }
        else
        {
            var result = validator.ValidateMarketOrder(raw, record.Topic["source.market.".Length..]);
            if (!result.IsValid)
            {
                throw new RecordRejectedException(result.Errors);
            }

            var order = anonymiser.Anonymise(result.Value!);
            (outTopic, key, value) = (Kafka.Topics.AnonymisedOrders, Encoding.UTF8.GetBytes(order.OrderId), JsonSerializer.SerializeToUtf8Bytes(order, ContractJson.Default.AnonymisedOrder));
        }

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
}
