using DuckDB.NET.Data;

namespace MillionX.Pipeline.Warehouse;

/// <summary>Opening the embedded DuckDB file, shared by the warehouse, the vector store and the catalogue.</summary>
public static class DuckDbFiles
{
    /// <summary>Opens (creating its folder) the file at <paramref name="path"/>; connections in one process share the database.</summary>
    public static DuckDBConnection Open(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var connection = new DuckDBConnection($"Data Source={full}");
        try
        {
            connection.Open();
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
