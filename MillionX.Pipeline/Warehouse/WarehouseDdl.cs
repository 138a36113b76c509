namespace MillionX.Pipeline.Warehouse;

/// <summary>The DDL files in Warehouse/Sql, embedded in the assembly, split into single statements.</summary>
public static class WarehouseDdl
{
    public static IReadOnlyList<string> Statements(string dialect)
    {
        var name = $"MillionX.Pipeline.Warehouse.Sql.{dialect}.sql";
        using var stream = typeof(WarehouseDdl).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"DDL resource {name} is missing from the build.");
        using var reader = new StreamReader(stream);
        var text = string.Join('\n', reader.ReadToEnd().Split('\n').Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal)));
        return text.Split(';').Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
    }
}
