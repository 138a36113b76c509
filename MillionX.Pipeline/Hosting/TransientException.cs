namespace MillionX.Pipeline.Hosting;

/// <summary>
/// A failure that may go away by itself (a store or service down, throttled, timed out): the work is retried with
/// backoff and its offsets are not stored meanwhile. Anything else is permanent.
/// </summary>
public abstract class TransientException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The store refused a batch because of the data in it (a value a column cannot hold), not because it is down: a
/// batching stage splits the batch to find the records at fault, dead-letters them and writes the rest.
/// </summary>
public sealed class BatchRejectedException(string message, Exception? inner = null) : Exception(message, inner);
