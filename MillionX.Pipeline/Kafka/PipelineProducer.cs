using Confluent.Kafka;

namespace MillionX.Pipeline.Kafka;

/// <summary>
/// The one idempotent producer this process shares. Delivery is reported through callbacks (never one awaited
/// send per message, which caps throughput about 20x lower); dispose flushes what is still queued.
/// </summary>
public sealed class PipelineProducer : IDisposable
{
    private readonly IProducer<byte[]?, byte[]> _producer;
    private readonly ILogger<PipelineProducer> _logger;

    public PipelineProducer(KafkaClientFactory factory, ILogger<PipelineProducer> logger)
    {
        _logger = logger;
        _producer = factory.Producer<byte[]?, byte[]>("producer");
    }

    public IProducer<byte[]?, byte[]> Client => _producer;

    /// <summary>Queues a message; <paramref name="onDelivered"/> runs on the producer's delivery thread.</summary>
    public void Produce(string topic, byte[]? key, byte[] value, Headers? headers, Action<DeliveryReport<byte[]?, byte[]>> onDelivered)
    {
        var span = PipelineTracing.StartSend(topic, ref headers);
        if (span is not null)
        {
            onDelivered = PipelineTracing.EndSendOnDelivery(span, onDelivered);
        }

        var message = new Message<byte[]?, byte[]> { Key = key, Value = value, Headers = headers };
        while (true)
        {
            try
            {
                _producer.Produce(topic, message, onDelivered);
                return;
            }
            catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                // The local queue is full: let deliveries drain instead of failing the record.
                _producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    /// <summary>Waits until every queued message is acknowledged or failed.</summary>
    public bool Flush(TimeSpan timeout) => _producer.Flush(timeout) == 0;

    public void Dispose()
    {
        var left = _producer.Flush(TimeSpan.FromSeconds(10));
        if (left > 0)
        {
            _logger.LogError("{Count} produced messages were not acknowledged before shutdown; their source offsets were not stored, so they will be re-read", left);
        }

        _producer.Dispose();
    }
}
