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
                if (!Regex.IsMatch(memoryLimit, MemoryLimitPattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
                {
                    throw new ArgumentException($"'{memoryLimit}' is not a DuckDB memory limit (a size with a unit, such as 512MB).", nameof(memoryLimit));
                }

                connection.Execute($"SET memory_limit = '{memoryLimit.Trim()}'");
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return connection;
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
