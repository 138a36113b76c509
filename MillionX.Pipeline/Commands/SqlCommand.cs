using System.Data.Common;
using DuckDB.NET.Data;

namespace MillionX.Pipeline.Commands;

/// <summary><c>sql "select ..." [--json]</c>: queries the embedded DuckDB warehouse (read-only) and prints a table or JSON lines.</summary>
public static class SqlCommand
{
    public static async Task<int> RunAsync(CommandLine cl, IEnumerable<KeyValuePair<string, string?>>? overrides = null, TextWriter? output = null)
    {
        output ??= Console.Out;
        var query = cl.Flag("query") ?? throw new ArgumentException("sql needs a query: sql \"select * from ORDERS limit 5\" [--json]");
        var builder = PipelineHostFactory.CreateBuilder(cl, overrides);
        var options = builder.Configuration.GetSection(WarehouseOptions.Section).Get<WarehouseOptions>() ?? new WarehouseOptions();
        if (options.Writer != "duckdb")
        {
            throw new ArgumentException($"The sql command reads the embedded DuckDB warehouse; Warehouse:Writer is '{options.Writer}'. Query Snowflake with its own tools.");
        }

        var path = Path.GetFullPath(options.DuckDb.Path);
        if (!File.Exists(path))
        {
            throw new ArgumentException($"No warehouse at {path} yet (Warehouse:DuckDb:Path). Run the pipeline or an ingest first.");
        }

        await using var connection = new DuckDBConnection($"Data Source={path};ACCESS_MODE=READ_ONLY");
        try
        {
            await connection.OpenAsync();
        }
        catch (DuckDBException ex)
        {
            throw new ArgumentException($"Cannot open {path}: {ex.Message} (a running pipeline holds the file; stop it or query a copy).", ex);
        }

        // The query reads the warehouse and nothing else: no files, URLs or other databases (read_csv('/etc/...'),
        // COPY ... TO, ATTACH, INSTALL). DuckDB does not let a later statement switch it back on.
        await using (var guard = connection.CreateCommand())
        {
            guard.CommandText = "SET enable_external_access = false; SET lock_configuration = true;";
            await guard.ExecuteNonQueryAsync();
        }

        await using var command = connection.CreateCommand();
        command.CommandText = query;
        DbDataReader reader;
        try
        {
            reader = await command.ExecuteReaderAsync();
        }
        catch (DuckDBException ex)
        {
            throw new ArgumentException("Query failed: " + ex.Message, ex);
        }

        await using (reader)
        {
            if (cl.Flag("json") is not null)
            {
                await WriteJsonLines(reader, output);
            }
            else
            {
                await WriteTable(reader, output);
            }
        }

        return 0;
    }

    private static async Task WriteJsonLines(DbDataReader reader, TextWriter output)
    {
        while (await reader.ReadAsync())
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    json.WritePropertyName(reader.GetName(i));
                    WriteValue(json, reader.IsDBNull(i) ? null : reader.GetValue(i));
                }

                json.WriteEndObject();
            }

            await output.WriteLineAsync(Encoding.UTF8.GetString(buffer.ToArray()));
        }
    }

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case bool b: json.WriteBooleanValue(b); break;
            case int or long or short or byte or sbyte or ushort or uint or ulong:
                json.WriteNumberValue(Convert.ToDecimal(value, CultureInfo.InvariantCulture)); break;
            case decimal d: json.WriteNumberValue(d); break;
            case double d when double.IsFinite(d): json.WriteNumberValue(d); break;
            case float f when float.IsFinite(f): json.WriteNumberValue(f); break;
            case System.Numerics.BigInteger big: json.WriteRawValue(big.ToString(CultureInfo.InvariantCulture)); break;
            case DateTime dt: json.WriteStringValue(dt.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)); break;
            default: json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    private static async Task WriteTable(DbDataReader reader, TextWriter output)
    {
        var names = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        var rows = new List<IReadOnlyList<string>>();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : Format(reader.GetValue(i))).ToArray());
        }

        await output.WriteAsync(TextTable.Render(names, rows, maxWidth: 60));

        await output.WriteLineAsync($"({rows.Count} row{(rows.Count == 1 ? "" : "s")})");
    }

    private static string Format(object value) => value switch
    {
        DateTime dt => dt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
