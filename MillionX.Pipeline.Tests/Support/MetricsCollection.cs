namespace MillionX.Pipeline.Tests.Support;

/// <summary>
/// Tests that read process-wide Prometheus series (histogram counts before and after) run alone: a parallel test
/// writing to the same series would make a delta meaningless.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics";
}
