namespace MillionX.Pipeline.Stages.SampleSource;

/// <summary><c>Stages:sample-source</c>: synthetic records for local runs and demos.</summary>
public sealed class SampleSourceOptions : IValidatableObject
{
    public const string Section = "Stages:sample-source";

    /// <summary>Records per second across all kinds.</summary>
    [Range(0.1, 100_000)]
    public double RatePerSecond { get; set; } = 50;

    /// <summary>Share of records that are deliberately invalid (0..1), to exercise dead-lettering.</summary>
    [Range(0.0, 1.0)]
    public double InvalidShare { get; set; } = 0.03;

    public int Seed { get; set; } = 42;

    /// <summary>Which kinds to generate, by source name; empty means all.</summary>
    /// <remarks>No initialiser: the configuration binder appends to a pre-filled list instead of replacing it.</remarks>
    public List<string> Kinds { get; set; } = [];

    public IReadOnlyList<SourceKind> KindsOrAll() =>
        Kinds.Count == 0 ? Enum.GetValues<SourceKind>() : Kinds.Select(k => SourceKinds.TryParse(k, out var kind) ? kind : throw new InvalidOperationException(k)).Distinct().ToList();

    /// <summary>Stop after this many records; 0 runs until shutdown.</summary>
    [Range(0, long.MaxValue)]
    public long MaxRecords { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var k in Kinds.Where(k => !SourceKinds.TryParse(k, out _)))
        {
            yield return new ValidationResult($"Kinds has unknown source '{k}'; valid: {string.Join(", ", SourceKinds.Names)}.", [nameof(Kinds)]);
        }
    }
}
