using System.Text.Json.Serialization;

namespace MillionX.Pipeline.Quality;

/// <summary>How a check ended.</summary>
public static class QualityStatus
{
    public const string Pass = "pass";
    public const string Fail = "fail";

    /// <summary>Nothing to judge (an optional table that is not there, a source with too few records).</summary>
    public const string Skipped = "skipped";

    /// <summary>The check could not run (a required table is missing, the warehouse did not answer).</summary>
    public const string Error = "error";
}

/// <summary>
/// One check's outcome: the measured <paramref name="Value"/> against the <paramref name="Threshold"/>; the check passes
/// when <c>value comparison threshold</c> holds (<c>&lt;=</c> or <c>&gt;=</c>). <paramref name="Unit"/> is
/// <c>ratio</c> (0..1), <c>seconds</c> or <c>rows</c>. <paramref name="Table"/> is a warehouse table, or for
/// <c>schema_pass_rate</c> the source stage.
/// </summary>
public sealed record QualityCheckResult(
    string Check, string Table, string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Value,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Threshold,
    string Comparison, string Unit, string Detail)
{
    [JsonIgnore]
    public bool Passed => Status is QualityStatus.Pass or QualityStatus.Skipped;
}

/// <summary>What one run of the checks found (<c>quality --json</c> prints it).</summary>
public sealed record QualityReport(string Warehouse, string Target, DateTimeOffset CheckedAt, bool Ok, int Passed, int Failed, int Skipped, int Errors, IReadOnlyList<QualityCheckResult> Checks)
{
    public static QualityReport From(string warehouse, string target, DateTimeOffset at, IReadOnlyList<QualityCheckResult> checks) => new(
        warehouse, target, at, checks.All(c => c.Passed),
        checks.Count(c => c.Status == QualityStatus.Pass), checks.Count(c => c.Status == QualityStatus.Fail),
        checks.Count(c => c.Status == QualityStatus.Skipped), checks.Count(c => c.Status == QualityStatus.Error), checks);
}
