using DuckDB.NET.Data;

namespace MillionX.Pipeline.Warehouse;

/// <summary>
/// One store's connection to a DuckDB file (the warehouse, the vector store and the catalogue each have one): opened
/// on first use with the store's own set-up, used by one call at a time, and closed only once no call is using it.
/// A call after the close fails as a stop (<see cref="OperationCanceledException"/>) instead of reopening the file,
/// so a worker still finishing a batch while the host shuts down never writes into a disposed connection.
/// A <paramref name="memoryLimit"/> (<see cref="DuckDbFiles.MemoryLimitPattern"/>; null: DuckDB's default) is set on the database when the connection opens.
/// </summary>
public sealed class DuckDbSession(string path, Func<DuckDBConnection, DuckDBConnection> open, string? memoryLimit = null) : IAsyncDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private DuckDBConnection? _connection;
    private bool _closed;

    public string Path => path;

    /// <summary>Runs <paramref name="work"/> on the open connection, alone.</summary>
    public async Task<T> RunAsync<T>(Func<DuckDBConnection, T> work, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            if (_closed)
            {
                throw new OperationCanceledException($"The DuckDB file {path} was closed: the host is stopping.");
            }

            _connection ??= open(DuckDbFiles.Open(path, memoryLimit));
            return work(_connection);
        }
        finally
        {
            _lock.Release();
        }
    }

    public Task RunAsync(Action<DuckDBConnection> work, CancellationToken ct) => RunAsync(c =>
    {
        work(c);
        return true;
    }, ct);

    /// <summary>Waits for the call in progress, then closes the connection for good.</summary>
    public async ValueTask DisposeAsync()
    {
        await _lock.WaitAsync();
        try
        {
            _closed = true;
            _connection?.Dispose();
            _connection = null;
        }
        finally
        {
            _lock.Release();
        }
    }
}
