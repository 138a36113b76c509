using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;

namespace MillionX.Pipeline.Observability;

/// <summary>
/// The pipeline's spans: a producer span per message sent and a consumer span per record a stage processes, linked
/// through W3C <c>traceparent</c>/<c>tracestate</c> Kafka headers, so one record's trace runs from its source through
/// every stage. With no listener attached (tracing off) every call returns at the <c>HasListeners</c> check: no
/// allocation per message on the hot path.
/// </summary>
public static class PipelineTracing
{
    public const string SourceName = "MillionX.Pipeline";

    public static readonly ActivitySource Source = new(SourceName, "1.0");

    private static readonly ConcurrentDictionary<string, string> SendNames = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string> ProcessNames = new(StringComparer.Ordinal);

    /// <summary>
    /// Starts the span of one message being sent (a child of the current span, or a new trace at a source) and writes
    /// its context into <paramref name="headers"/>, replacing the upstream one. Null when tracing is off or sampled out.
    /// </summary>
    public static Activity? StartSend(string topic, ref Headers? headers)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var parent = Activity.Current;
        var activity = Source.StartActivity(SendNames.GetOrAdd(topic, t => "send " + t), ActivityKind.Producer);
        if (activity is null)
        {
            return null;
        }

        // The span ends on the delivery thread; the sending thread goes on in its parent's context, or a source's
        // next record would become this one's child.
        Activity.Current = parent;

        if (activity.IsAllDataRequested)
        {
            activity.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.destination.name", topic);
        }

        headers ??= [];
        PipelineHeaders.SetTraceContext(headers, activity);
        return activity;
    }

    /// <summary>Wraps a delivery handler so that the send span ends when the broker acknowledged (or refused) the message.</summary>
    public static Action<DeliveryReport<TKey, TValue>> EndSendOnDelivery<TKey, TValue>(Activity span, Action<DeliveryReport<TKey, TValue>> onDelivered) =>
        report =>
        {
            EndSend(span, report.Error);
            onDelivered(report);
        };

    public static void EndSend(Activity activity, Error error)
    {
        if (error.IsError)
        {
            activity.SetStatus(ActivityStatusCode.Error, error.Code.ToString());
        }

        Stop(activity);
    }

    /// <summary>
    /// Starts a stage's span for one consumed record, the child of the context in the record's headers. The caller
    /// detaches it from the consume thread (<see cref="Detach"/>) and ends it when the record is done.
    /// </summary>
    public static Activity? StartProcess(string stage, string groupId, ConsumeResult<byte[]?, byte[]> record)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        PipelineHeaders.TryGetTraceContext(record.Message.Headers, out var parent);
        var activity = Source.StartActivity(ProcessNames.GetOrAdd(stage, s => "process " + s), ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", record.Topic);
            activity.SetTag("messaging.destination.partition.id", record.Partition.Value);
            activity.SetTag("messaging.kafka.offset", record.Offset.Value);
            activity.SetTag("messaging.consumer.group.name", groupId);
            activity.SetTag("millionx.stage", stage);
        }

        return activity;
    }

    /// <summary>The span lives on until the record completes, possibly on another thread: the consume loop lets go of it.</summary>
    public static void Detach(Activity? activity)
    {
        if (activity is not null && Activity.Current == activity)
        {
            Activity.Current = null;
        }
    }

    public static void EndProcess(Activity? activity, string? deadLetterReason = null, Exception? error = null)
    {
        if (activity is null)
        {
            return;
        }

        if (deadLetterReason is not null)
        {
            activity.SetTag("millionx.dead_letter.reason", deadLetterReason);
        }

        if (error is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
        }

        Stop(activity);
    }

    /// <summary>
    /// Spans end on delivery and worker threads: Stop would make the span's predecessor current there, and that thread
    /// would go on (to other records' callbacks) inside a stale span. The thread keeps the context it had.
    /// </summary>
    private static void Stop(Activity activity)
    {
        var current = Activity.Current;
        activity.Stop();
        Activity.Current = current == activity ? null : current;
    }
}
