using MillionX.Pipeline.Stages.WarehouseSink;
using MillionX.Pipeline.Warehouse.Snowflake;

namespace MillionX.Pipeline.DeadLetters;

/// <summary>The DEAD_LETTERS archive in the configured warehouse.</summary>
public static class DeadLetterArchiving
{
    /// <summary>Registers the archive of <c>Warehouse:Writer</c>, built on first use (only when archiving is on).</summary>
    public static IHostApplicationBuilder AddDeadLetterArchive(this IHostApplicationBuilder builder)
    {
        builder.AddSnowflakeClient();
        builder.Services.AddSingleton<IDeadLetterArchive>(sp =>
            sp.GetRequiredService<IOptions<WarehouseOptions>>().Value.Writer == "snowflake"
                ? new SnowflakeDeadLetterArchive(sp.GetRequiredService<SnowflakeSqlApiClient>(), sp.GetRequiredService<IOptions<WarehouseOptions>>().Value.Snowflake)
                : ActivatorUtilities.CreateInstance<DuckDbDeadLetterArchive>(sp));
        return builder;
    }

    /// <summary>
    /// The archive dlq-monitor writes, or null: <c>off</c>; <c>on</c>; <c>auto</c> = Snowflake, or DuckDB when this
    /// process runs warehouse-sink too (a DuckDB file is opened by one process only).
    /// </summary>
    public static IDeadLetterArchive? Resolve(IServiceProvider services, string mode)
    {
        if (mode == "off")
        {
            return null;
        }

        var snowflake = services.GetRequiredService<IOptions<WarehouseOptions>>().Value.Writer == "snowflake";
        var sinkHere = services.GetService<IServiceProviderIsService>()?.IsService(typeof(WarehouseSinkStage)) == true;
        return mode == "on" || snowflake || sinkHere ? services.GetRequiredService<IDeadLetterArchive>() : null;
    }
}

/// <summary>
/// The archive in Snowflake: MERGE statements over bound VALUES, like the warehouse tables (idempotent by archive id).
/// The production audit table; the dlq tools read dead letters from the broker there, so reading is left to SQL.
/// </summary>
public sealed class SnowflakeDeadLetterArchive(SnowflakeSqlApiClient client, SnowflakeOptions options) : IDeadLetterArchive
{
    private static readonly MergeTable Table = new("DEAD_LETTERS",
    [
        new("ARCHIVE_ID"), new("TOPIC"), new("KAFKA_PARTITION", "::NUMBER(38,0)"), new("KAFKA_OFFSET", "::NUMBER(38,0)"), new("MESSAGE_KEY"),
        new("STAGE"), new("REASON"), new("SOURCE_TOPIC"), new("FAILED_AT", "::TIMESTAMP_NTZ"), new("MESSAGE_BASE64"), new("ARCHIVED_AT", "::TIMESTAMP_NTZ"),
    ], ["ARCHIVE_ID"]);

    public string Name => "snowflake";

    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        foreach (var ddl in WarehouseDdl.Statements("snowflake.dead-letters"))
        {
            await client.ExecuteAsync(ddl, [], ct);
        }
    }

    public async Task ArchiveAsync(IReadOnlyList<ArchivedDeadLetter> letters, CancellationToken ct)
    {
        var rows = letters.Select(Values).ToList();
        foreach (var chunk in SnowflakeMerge.Chunk(rows, Table, options.MaxRowsPerStatement, options.MaxBindingsPerStatement, options.MaxStatementBytes))
        {
            await client.ExecuteAsync(SnowflakeMerge.Statement(Table, chunk.Count), chunk.SelectMany(r => r).ToList(), ct);
        }
    }

    public Task<(IReadOnlyList<ArchivedDeadLetter> Letters, IReadOnlySet<string> Replayed)> ReadAsync(IReadOnlyCollection<string> topics, CancellationToken ct) =>
        throw new NotSupportedException("The dlq tools read the Snowflake DEAD_LETTERS table only through SQL; with a broker configured they read the dead-letter topics.");

    public Task MarkReplayedAsync(IReadOnlyCollection<string> archiveIds, DateTimeOffset at, CancellationToken ct) =>
        throw new NotSupportedException("Replays from Snowflake's DEAD_LETTERS are recorded on the broker's replay ledger.");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    internal static string?[] Values(ArchivedDeadLetter l) =>
    [
        l.ArchiveId, l.Topic, l.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture), l.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture),
        l.Key is null ? null : Convert.ToBase64String(l.Key), l.Stage, l.Reason, l.SourceTopic,
        l.FailedAt is { } failed ? SnowflakeMerge.Time(failed.UtcDateTime) : null, Convert.ToBase64String(l.Value), SnowflakeMerge.Time(l.ArchivedAt.UtcDateTime),
    ];
}
