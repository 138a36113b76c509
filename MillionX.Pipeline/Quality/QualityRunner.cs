using DuckDB.NET.Data;
using MillionX.Pipeline.Warehouse.Snowflake;

namespace MillionX.Pipeline.Quality;

/// <summary>
/// Runs the plan's statements against a warehouse, one per table, and collects the verdicts. A table the warehouse
/// does not have makes its checks <c>error</c> (or <c>skipped</c> for the optional catalogue); so does a statement
/// that fails, with the failure in the detail: one broken table does not hide the others.
/// </summary>
public sealed class QualityRunner(DataQualityOptions options, ValidationLimits limits, TimeProvider clock, ILogger logger, QualitySchema? schema = null)
{
    public async Task<QualityReport> RunAsync(IQualityWarehouse warehouse, IEnumerable<QualityCheckResult> sourceChecks, CancellationToken ct)
    {
        var at = clock.GetUtcNow();
        var results = new List<QualityCheckResult>();
        foreach (var table in QualityPlan.Build(schema ?? QualitySchema.Current, options, limits, at.UtcDateTime, warehouse.HoldsCatalogue))
        {
            try
            {
                var values = await warehouse.QueryAsync(table.Sql, table.Probes, ct);
                results.AddRange(table.Evaluate(values));
            }
            catch (QualityTableMissingException ex)
            {
                var status = table.Optional ? QualityStatus.Skipped : QualityStatus.Error;
                results.AddRange(table.CheckNames.Select(c => Unmeasured(c, table.Table, status, $"table {table.Table} does not exist in {warehouse.Name}")));
                if (!table.Optional)
                {
                    logger.LogWarning("Data quality: table {Table} is missing: {Error}", table.Table, ex.Message);
                }
            }
            catch (Exception ex) when (ex is DuckDBException or SnowflakeStatementException or TransientException or InvalidOperationException or HttpRequestException)
            {
                logger.LogWarning("Data quality: the checks of {Table} failed: {Error}", table.Table, ex.Message);
                results.AddRange(table.CheckNames.Select(c => Unmeasured(c, table.Table, QualityStatus.Error, "the check statement failed: " + ex.Message)));
            }
        }

        results.AddRange(sourceChecks);
        return QualityReport.From(warehouse.Name, warehouse.Target, at, results);
    }

    private static QualityCheckResult Unmeasured(string check, string table, string status, string detail) =>
        new(check, table, status, null, null, "", "", detail);
}
