namespace MillionX.Pipeline.Tests.Support;

/// <summary>
/// Tests that attach a listener to the pipeline's ActivitySource (or need none attached) run alone: a listener is
/// process-wide, so parallel tests would see each other's spans and the allocation check would see a listener.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingCollection
{
    public const string Name = "Tracing";
}
