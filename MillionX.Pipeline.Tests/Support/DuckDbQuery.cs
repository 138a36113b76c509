using DuckDB.NET.Data;

namespace MillionX.Pipeline.Tests.Support;

public static class DuckDbQuery
{
    public static long Scalar(string path, string sql)
    {
        using var c = new DuckDBConnection($"Data Source={path};ACCESS_MODE=READ_ONLY");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static List<string?> Column(string path, string sql)
    {
        using var c = new DuckDBConnection($"Data Source={path};ACCESS_MODE=READ_ONLY");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var list = new List<string?>();
        while (r.Read())
        {
            list.Add(r.IsDBNull(0) ? null : Convert.ToString(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        }

        return list;
    }

    /// <summary>
    /// Runs <paramref name="sql"/> on a writable connection to the file (made, with its folder, when missing): a file
    /// as an older version of the pipeline left it, before the code under test opens it.
    /// </summary>
    public static void Execute(string path, string sql, params DuckDBParameter[] parameters)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var c = new DuckDBConnection($"Data Source={path}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var parameter in parameters)
        {
            cmd.Parameters.Add(parameter);
        }

        cmd.ExecuteNonQuery();
    }

    /// <summary>The database file and its write-ahead log, as bytes on disk.</summary>
    public static byte[] FileBytes(string path) =>
        [.. File.ReadAllBytes(path), .. File.Exists(path + ".wal") ? File.ReadAllBytes(path + ".wal") : []];
}
