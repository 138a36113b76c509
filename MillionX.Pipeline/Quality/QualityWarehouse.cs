using System.Numerics;
using DuckDB.NET.Data;
using MillionX.Pipeline.Warehouse.Snowflake;

namespace MillionX.Pipeline.Quality;

/// <summary>Where the checks run: one SELECT in, one row of probe values out.</summary>
public interface IQualityWarehouse : IAsyncDisposable
{
    /// <summary><c>duckdb</c> or <c>snowflake</c>.</summary>
    string Name { get; }

    /// <summary>The file or account the checks read, for the report.</summary>
    string Target { get; }

    /// <summary>Whether the enricher's PRODUCT_CATALOGUE can live here (the embedded DuckDB file only).</summary>
    bool HoldsCatalogue { get; }

    /// <summary>Runs <paramref name="sql"/> and reads its one row; a table that does not exist throws <see cref="QualityTableMissingException"/>.</summary>
    Task<IReadOnlyList<ProbeValue>> QueryAsync(string sql, IReadOnlyList<Probe> probes, CancellationToken ct);
}

/// <summary>The statement named a table the warehouse does not have.</summary>
public sealed class QualityTableMissingException(string message, Exception inner) : Exception(message, inner);

/// <summary>The embedded DuckDB warehouse file, through a <see cref="DuckDbSession"/> of its own.</summary>
public sealed class DuckDbQualityWarehouse(string path) : IQualityWarehouse
{
    private readonly DuckDbSession _session = new(System.IO.Path.GetFullPath(path), c => c);

    public string Name => "duckdb";

    public string Target => _session.Path;

    public bool HoldsCatalogue => true;

    public async Task<IReadOnlyList<ProbeValue>> QueryAsync(string sql, IReadOnlyList<Probe> probes, CancellationToken ct)
    {
        try
        {
            return await _session.RunAsync<IReadOnlyList<ProbeValue>>(connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = sql;
                using var reader = command.ExecuteReader();
                if (!reader.Read())
                {
                    throw new InvalidOperationException("The check statement returned no row.");
                }

                return probes.Select((p, i) => reader.IsDBNull(i) ? default : Read(p.Kind, reader.GetValue(i))).ToList();
            }, ct);
        }
        catch (DuckDBException ex) when (ex.Message.Contains("Catalog Error", StringComparison.Ordinal) && ex.Message.Contains("does not exist", StringComparison.Ordinal))
        {
            throw new QualityTableMissingException(ex.Message, ex);
        }
    }

    private static ProbeValue Read(ProbeKind kind, object value) => kind switch
    {
        ProbeKind.Timestamp => new(null, value is DateTime t ? t : Convert.ToDateTime(value, CultureInfo.InvariantCulture)),
        _ => new(value switch
        {
            BigInteger b => (double)b,
            _ => Convert.ToDouble(value, CultureInfo.InvariantCulture),
        }, null),
    };

    public ValueTask DisposeAsync() => _session.DisposeAsync();
}

/// <summary>
/// Snowflake through the SQL API client. Its <c>jsonv2</c> answers hold every cell as a string: numbers in decimal,
/// TIMESTAMP_NTZ as seconds since the epoch with nine decimals.
/// </summary>
public sealed class SnowflakeQualityWarehouse(SnowflakeSqlApiClient client, SnowflakeOptions options) : IQualityWarehouse
{
    public string Name => "snowflake";

    public string Target => $"{options.AccountUrl} {options.Database}.{options.Schema}";

    public bool HoldsCatalogue => false;

    public async Task<IReadOnlyList<ProbeValue>> QueryAsync(string sql, IReadOnlyList<Probe> probes, CancellationToken ct)
    {
        StatementResponse response;
        try
        {
            response = await client.ExecuteAsync(sql, [], ct);
        }
        catch (SnowflakeStatementException ex) when (ex.Code == "002003" || ex.SqlState == "42S02")
        {
            throw new QualityTableMissingException(ex.Message, ex);
        }

        var row = response.Data is { Count: > 0 } data ? data[0] : throw new InvalidOperationException("Snowflake returned no row for the check statement.");
        if (row.Count < probes.Count)
        {
            throw new InvalidOperationException($"Snowflake returned {row.Count} columns for {probes.Count} probes.");
        }

        return probes.Select((p, i) => Read(p.Kind, row[i])).ToList();
    }

    internal static ProbeValue Read(ProbeKind kind, string? cell)
    {
        if (cell is null)
        {
            return default;
        }

        if (kind == ProbeKind.Timestamp)
        {
            var seconds = decimal.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture);
            return new(null, DateTime.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond)));
        }

        return new(double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture), null);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
