namespace MillionX.Pipeline.Hosting;

/// <summary>
/// A failure that may go away by itself (a store or service down, throttled, timed out): the work is retried with
/// backoff and its offsets are not stored meanwhile. Anything else is permanent.
/// </summary>
public abstract class TransientException(string message, Exception? inner = null) : Exception(message, inner);
