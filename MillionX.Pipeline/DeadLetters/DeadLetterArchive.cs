using System.Security.Cryptography;
using Confluent.Kafka;
using DuckDB.NET.Data;

namespace MillionX.Pipeline.DeadLetters;

/// <summary>One dead letter as archived: the message exactly as the dead-letter topic held it, and where it was.</summary>
public sealed record ArchivedDeadLetter(
    string ArchiveId,
    string Topic,
    int Partition,
    long Offset,
    byte[]? Key,
    byte[] Value,
    string? Stage,
    string? Reason,
    string? SourceTopic,
    DateTimeOffset? FailedAt,
    DateTimeOffset ArchivedAt)
{
    /// <summary>The archive row for a consumed dead letter; the id is the SHA-256 of topic, key and value.</summary>
    public static ArchivedDeadLetter From(ConsumeResult<byte[]?, byte[]> record, DeadLetterRecord letter, DateTimeOffset at) =>
        new(IdOf(record.Topic, record.Message.Key, record.Message.Value ?? []), record.Topic, record.Partition.Value, record.Offset.Value,
            record.Message.Key, record.Message.Value ?? [], letter.Envelope?.Stage, letter.Envelope?.Reason, letter.Envelope?.SourceTopic,
            letter.Envelope?.FailedAt, at);

    public static string IdOf(string topic, byte[]? key, byte[] value)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(topic + "\n"));
        sha.AppendData(BitConverter.GetBytes(key?.Length ?? -1));
        sha.AppendData(key ?? []);
        sha.AppendData(value);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>As the dead-letter tools read it; its <see cref="DeadLetterRecord.Id"/> is the archive id.</summary>
    public DeadLetterRecord ToRecord() =>
        DeadLetterReading.Parse(new ConsumeResult<byte[]?, byte[]>
        {
            Topic = Topic,
            Partition = new Partition(Partition),
            Offset = new Offset(Offset),
            Message = new Message<byte[]?, byte[]> { Key = Key, Value = Value },
        }) with { ArchiveId = ArchiveId };
}

/// <summary>
/// The DEAD_LETTERS table: dead letters kept after the broker that carried them is gone (an embedded run) and as an
/// audit table in production. Writes are idempotent (keyed by <see cref="ArchivedDeadLetter.ArchiveId"/>).
/// </summary>
public interface IDeadLetterArchive : IAsyncDisposable
{
    string Name { get; }

    Task EnsureSchemaAsync(CancellationToken ct);

    Task ArchiveAsync(IReadOnlyList<ArchivedDeadLetter> letters, CancellationToken ct);

    /// <summary>Every archived letter of <paramref name="topics"/>, oldest first, with the ids already replayed.</summary>
    Task<(IReadOnlyList<ArchivedDeadLetter> Letters, IReadOnlySet<string> Replayed)> ReadAsync(IReadOnlyCollection<string> topics, CancellationToken ct);

    /// <summary>Records that these letters were replayed (the archive's replay ledger).</summary>
    Task MarkReplayedAsync(IReadOnlyCollection<string> archiveIds, DateTimeOffset at, CancellationToken ct);
}

/// <summary>The archive in the embedded DuckDB warehouse file (<c>Warehouse:DuckDb:Path</c>).</summary>
public sealed class DuckDbDeadLetterArchive(IOptions<WarehouseOptions> options) : IDeadLetterArchive
{
    private readonly DuckDbSession _session = new(System.IO.Path.GetFullPath(options.Value.DuckDb.Path), Initialise);

    public string Name => "duckdb";

    public string Path => _session.Path;

    public Task EnsureSchemaAsync(CancellationToken ct) => _session.RunAsync(_ => { }, ct);

    public Task ArchiveAsync(IReadOnlyList<ArchivedDeadLetter> letters, CancellationToken ct) => _session.RunAsync(connection =>
    {
        if (letters.Count == 0)
        {
            return;
        }

        // Dead letters are few (the DLQ rate is a share of a per cent); one prepared statement in one transaction.
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO DEAD_LETTERS (ARCHIVE_ID, TOPIC, KAFKA_PARTITION, KAFKA_OFFSET, MESSAGE_KEY, STAGE, REASON, SOURCE_TOPIC, FAILED_AT, MESSAGE_BASE64, ARCHIVED_AT)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING
            """;
        foreach (var l in letters)
        {
            insert.Parameters.Clear();
            insert.Parameters.Add(new DuckDBParameter(l.ArchiveId));
            insert.Parameters.Add(new DuckDBParameter(l.Topic));
            insert.Parameters.Add(new DuckDBParameter(l.Partition));
            insert.Parameters.Add(new DuckDBParameter(l.Offset));
            insert.Parameters.Add(new DuckDBParameter(l.Key is null ? DBNull.Value : Convert.ToBase64String(l.Key)));
            insert.Parameters.Add(new DuckDBParameter((object?)l.Stage ?? DBNull.Value));
            insert.Parameters.Add(new DuckDBParameter((object?)l.Reason ?? DBNull.Value));
            insert.Parameters.Add(new DuckDBParameter((object?)l.SourceTopic ?? DBNull.Value));
            insert.Parameters.Add(new DuckDBParameter((object?)l.FailedAt?.UtcDateTime ?? DBNull.Value));
            insert.Parameters.Add(new DuckDBParameter(Convert.ToBase64String(l.Value)));
            insert.Parameters.Add(new DuckDBParameter(l.ArchivedAt.UtcDateTime));
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }, ct);

    public Task<(IReadOnlyList<ArchivedDeadLetter> Letters, IReadOnlySet<string> Replayed)> ReadAsync(IReadOnlyCollection<string> topics, CancellationToken ct) =>
        _session.RunAsync<(IReadOnlyList<ArchivedDeadLetter>, IReadOnlySet<string>)>(connection =>
        {
            var letters = new List<ArchivedDeadLetter>();
            var replayed = new HashSet<string>(StringComparer.Ordinal);
            using var select = connection.CreateCommand();
            select.CommandText = """
                SELECT ARCHIVE_ID, TOPIC, KAFKA_PARTITION, KAFKA_OFFSET, MESSAGE_KEY, STAGE, REASON, SOURCE_TOPIC, FAILED_AT, MESSAGE_BASE64, ARCHIVED_AT, REPLAYED_AT
                FROM DEAD_LETTERS ORDER BY ARCHIVED_AT, TOPIC, KAFKA_PARTITION, KAFKA_OFFSET
                """;
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var topic = reader.GetString(1);
                if (!topics.Contains(topic))
                {
                    continue;
                }

                var id = reader.GetString(0);
                letters.Add(new(id, topic, reader.GetInt32(2), reader.GetInt64(3),
                    reader.IsDBNull(4) ? null : Convert.FromBase64String(reader.GetString(4)),
                    Convert.FromBase64String(reader.GetString(9)),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                    reader.IsDBNull(8) ? null : Utc(reader.GetDateTime(8)), Utc(reader.GetDateTime(10))));
                if (!reader.IsDBNull(11))
                {
                    replayed.Add(id);
                }
            }

            return (letters, replayed);
        }, ct);

    public Task MarkReplayedAsync(IReadOnlyCollection<string> archiveIds, DateTimeOffset at, CancellationToken ct) => _session.RunAsync(connection =>
    {
        using var transaction = connection.BeginTransaction();
        using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE DEAD_LETTERS SET REPLAYED_AT = $1 WHERE ARCHIVE_ID = $2";
        foreach (var id in archiveIds)
        {
            update.Parameters.Clear();
            update.Parameters.Add(new DuckDBParameter(at.UtcDateTime));
            update.Parameters.Add(new DuckDBParameter(id));
            update.ExecuteNonQuery();
        }

        transaction.Commit();
    }, ct);

    public ValueTask DisposeAsync() => _session.DisposeAsync();

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static DuckDBConnection Initialise(DuckDBConnection connection)
    {
        foreach (var statement in WarehouseDdl.Statements("duckdb.dead-letters"))
        {
            connection.Execute(statement);
        }

        return connection;
    }
}
