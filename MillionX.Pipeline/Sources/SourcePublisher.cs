using Confluent.Kafka;

namespace MillionX.Pipeline.Sources;

/// <summary>How one source record ended: on its topic, in a dead-letter topic, or not delivered at all.</summary>
public readonly record struct PublishOutcome(bool Accepted, string? Reason, Error? DeliveryError)
{
    public bool Delivered => DeliveryError is null;
}

/// <summary>Validates a raw record through <see cref="SourceGate"/> and produces it to its source topic or dead-letter topic.</summary>
public sealed class SourcePublisher(SourceGate gate, PipelineProducer producer, DeadLetterPublisher deadLetters, PipelineMetrics metrics, TimeProvider clock)
{
    public void Publish(string stage, SourceKind kind, byte[] raw, string origin, Action<PublishOutcome> onDone, string? detail = null)
    {
        var counters = metrics.Stage(stage);
        counters.RecordIn();
        var result = gate.Admit(kind, raw);
        if (result.Accepted)
        {
            var topic = kind.Topic();
            producer.Produce(topic, result.Key, result.Value!, PipelineHeaders.WithIngestedAt(clock.GetUtcNow()), report =>
            {
                if (report.Error.Code == ErrorCode.NoError)
                {
                    counters.RecordOut(topic);
                    onDone(new(true, null, null));
                }
                else
                {
                    onDone(new(true, null, report.Error));
                }
            });
            return;
        }

        var context = new RecordContext(stage, kind.Topic(), Origin: origin, Detail: detail);
        deadLetters.Publish(context, raw, result.Errors, report =>
            onDone(new(false, result.Reason, report.Error.Code == ErrorCode.NoError ? null : report.Error)));
    }
}
