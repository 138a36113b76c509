using System.Text.RegularExpressions;

namespace MillionX.Pipeline.Quality;

/// <summary>
/// Schema pass rates read from a running pipeline's <c>/metrics</c> page (Prometheus text format):
/// <c>millionx_records_in_total{stage}</c> and <c>millionx_dead_letters_total{stage,reason}</c> of its source stages,
/// since that process started. Pure: takes the page's text.
/// </summary>
public static partial class MetricsScrape
{
    [GeneratedRegex("""^(millionx_records_in_total|millionx_dead_letters_total)\{([^}]*)\}\s+(\S+)""", RegexOptions.CultureInvariant)]
    private static partial Regex Sample();

    [GeneratedRegex("stage=\"([^\"]*)\"", RegexOptions.CultureInvariant)]
    private static partial Regex StageLabel();

    public static IReadOnlyList<QualityCheckResult> PassRates(string page, DataQualityOptions options)
    {
        var sources = SourcePassRates.JudgedSources();
        var read = new Dictionary<string, double>(StringComparer.Ordinal);
        var dead = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in page.Split('\n'))
        {
            var m = Sample().Match(line.Trim());
            if (!m.Success || StageLabel().Match(m.Groups[2].Value) is not { Success: true } stage || !sources.Contains(stage.Groups[1].Value)
                || !double.TryParse(m.Groups[3].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var into = m.Groups[1].Value == "millionx_records_in_total" ? read : dead;
            into[stage.Groups[1].Value] = into.GetValueOrDefault(stage.Groups[1].Value) + value;
        }

        return read.OrderBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => QualityPlan.PassRate(r.Key, (long)r.Value, (long)dead.GetValueOrDefault(r.Key), options, "since the scraped process started"))
            .ToList();
    }
}
