using System.Text.RegularExpressions;
using DuckDB.NET.Data;

namespace MillionX.Pipeline.Warehouse;

/// <summary>Opening the embedded DuckDB file, shared by the warehouse, the vector store and the catalogue.</summary>
public static class DuckDbFiles
{
    /// <summary>
    /// What a DuckDB memory limit setting (<c>VectorStore:DuckDbMemoryLimit</c>) accepts: a size with a unit (<c>512MB</c>, <c>1.5GiB</c>), as DuckDB's
    /// <c>memory_limit</c> takes it, or empty for DuckDB's default (80 % of the machine's memory).
    /// </summary>
    public const string MemoryLimitPattern = @"(?i)^\s*$|^[0-9]+(\.[0-9]+)?\s?([KMGT]i?B)$";

    /// <summary>What <c>Warehouse:DuckDb:CheckpointThreshold</c> accepts: a size with a unit, as DuckDB's <c>checkpoint_threshold</c> takes it.</summary>
    public const string CheckpointThresholdPattern = @"^\d{1,6}(\.\d+)?\s?(B|KB|MB|GB|KiB|MiB|GiB)$";

    /// <summary>
    /// Opens (creating its folder) the file at <paramref name="path"/>; connections in one process share the database.
    /// A <paramref name="memoryLimit"/> (<see cref="MemoryLimitPattern"/>) is set on that database: DuckDB's limit is
    /// one per database, so every store on the same file gets the last one set.
    /// </summary>
    public static DuckDBConnection Open(string path, string? memoryLimit = null)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var connection = new DuckDBConnection($"Data Source={full}");
        try
        {
            connection.Open();
            if (!string.IsNullOrWhiteSpace(memoryLimit))
            {
                connection.SetSize("memory_limit", "memory limit", memoryLimit, MemoryLimitPattern);
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return connection;
    }

    /// <summary>
    /// Sets a size-valued DuckDB <paramref name="setting"/> on the connection's database (one value per database, so every
    /// store on the same file shares it). A <paramref name="value"/> that does not match <paramref name="pattern"/> is
    /// refused before any SQL runs, as it is written into the statement.
    /// </summary>
    public static void SetSize(this DuckDBConnection connection, string setting, string description, string value, string pattern)
    {
        if (!Regex.IsMatch(value, pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
        {
            throw new ArgumentException($"'{value}' is not a DuckDB {description} (a size with a unit, such as 512MB).", nameof(value));
        }

        connection.Execute($"SET {setting} = '{value.Trim()}'");
    }

    public static void Execute(this DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>IO and file-lock errors are worth retrying; anything else is a bug or bad data.</summary>
    public static bool IsTransient(DuckDBException ex) =>
        ex.Message.Contains("IO Error", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("lock", StringComparison.OrdinalIgnoreCase);
}
