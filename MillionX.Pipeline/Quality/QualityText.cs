using MillionX.Pipeline.Commands;

namespace MillionX.Pipeline.Quality;

/// <summary>The report as an analyst reads it: one line per check, failures first, values in their units.</summary>
public static class QualityText
{
    public static string Render(QualityReport report)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"data quality of {report.Warehouse} {report.Target} at {report.CheckedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC: "
            + $"{report.Passed} passed, {report.Failed} failed, {report.Errors} could not run, {report.Skipped} skipped");
        var rows = report.Checks
            .OrderBy(c => c.Status switch { QualityStatus.Fail => 0, QualityStatus.Error => 1, QualityStatus.Pass => 2, _ => 3 })
            .Select(c => (IReadOnlyList<string>)[c.Status.ToUpperInvariant(), c.Table, c.Check, Format(c.Value, c.Unit), c.Threshold is null ? "" : $"{c.Comparison} {Format(c.Threshold, c.Unit)}", c.Detail])
            .ToList();
        sb.Append(TextTable.Render(["status", "table", "check", "value", "threshold", "detail"], rows, maxWidth: 140));
        return sb.ToString().TrimEnd();
    }

    public static string Format(double? value, string unit) => value is not { } v ? "-" : unit switch
    {
        QualityPlan.Ratio => $"{v * 100:0.##} %",
        QualityPlan.Seconds => QualityPlan.Duration(v),
        _ => v.ToString("0.##", CultureInfo.InvariantCulture),
    };
}
