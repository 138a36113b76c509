using DuckDB.NET.Data;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.VectorStore;
using MillionX.Pipeline.Warehouse;

namespace MillionX.Pipeline.Tests.Hosting;

/// <summary>VectorStore:DuckDbMemoryLimit through the real host and appsettings.json down to DuckDB's own setting.</summary>
public sealed class VectorStoreHostingTests
{
    private static IHost Build(params (string Key, string? Value)[] extra)
    {
        var config = TestConfig.Quiet();
        foreach (var (k, v) in extra)
        {
            config[k] = v;
        }

        return RunCommand.Build(CommandLine.Parse(["--role", "vector-sink"]), config);
    }

    /// <summary>What DuckDB reports for its memory limit on the open database at <paramref name="path"/> (the store's: one database per file in a process).</summary>
    private static string MemoryLimitOf(string path)
    {
        using var c = DuckDbFiles.Open(path);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT current_setting('memory_limit')";
        return (string)cmd.ExecuteScalar()!;
    }

    /// <summary>How DuckDB itself renders <paramref name="limit"/> (or its default, when null) on a database of its own.</summary>
    private static string DuckDbRendering(string? limit)
    {
        using var c = new DuckDBConnection("Data Source=:memory:");
        c.Open();
        if (limit is not null)
        {
            c.Execute($"SET memory_limit = '{limit}'");
        }

        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT current_setting('memory_limit')";
        return (string)cmd.ExecuteScalar()!;
    }

    [Theory]
    [InlineData(null)] // appsettings.json's default
    [InlineData("300MiB")]
    [InlineData("1.5 GB")]
    public async Task Store_OwnFile_DuckDbHasTheConfiguredLimit(string? configured)
    {
        var path = TestConfig.TempDuckDb();
        using var host = configured is null ? Build(("VectorStore:DuckDbPath", path)) : Build(("VectorStore:DuckDbPath", path), ("VectorStore:DuckDbMemoryLimit", configured));
        var limit = host.Services.GetRequiredService<IOptions<VectorStoreOptions>>().Value.DuckDbMemoryLimit;
        Assert.Equal(configured ?? "256MB", limit);

        await using var store = host.Services.GetRequiredService<IVectorStore>();
        await store.EnsureSchemaAsync(CancellationToken.None);

        Assert.Equal(DuckDbRendering(limit), MemoryLimitOf(path));
        Assert.NotEqual(DuckDbRendering(null), MemoryLimitOf(path));
    }

    [Fact]
    public async Task Store_OnTheWarehouseFile_LeavesDuckDbsDefault()
    {
        var warehouse = TestConfig.TempDuckDb();
        using var host = Build(("Warehouse:DuckDb:Path", warehouse), ("VectorStore:DuckDbPath", ""), ("VectorStore:DuckDbMemoryLimit", "300MiB"));

        await using var store = host.Services.GetRequiredService<IVectorStore>();
        await store.EnsureSchemaAsync(CancellationToken.None);

        // One limit per database: the warehouse on the same file is not capped by the vector store's setting.
        Assert.Equal(DuckDbRendering(null), MemoryLimitOf(warehouse));
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("512")]
    [InlineData("512MB'; DROP TABLE POST_VECTORS; --")]
    public async Task Start_BadMemoryLimit_FailsNamingTheKey(string value)
    {
        using var host = Build(("VectorStore:DuckDbPath", TestConfig.TempDuckDb()), ("VectorStore:DuckDbMemoryLimit", value));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("VectorStore:DuckDbMemoryLimit", ex.Message, StringComparison.Ordinal);
    }
}
