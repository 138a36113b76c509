using StackExchange.Redis;

namespace MillionX.Pipeline.Sources;

/// <summary>Where sources keep their progress (watermarks, cursors) so a restart or another replica continues from it.</summary>
public interface ICheckpointStore
{
    Task<string?> GetAsync(string key, CancellationToken ct);

    /// <summary>Durable when it returns. Sources call it only after the records it covers were acknowledged.</summary>
    Task SetAsync(string key, string value, CancellationToken ct);
}

/// <summary>One small file per key, replaced atomically (write, fsync, rename).</summary>
public sealed class FileCheckpointStore(string directory) : ICheckpointStore
{
    public async Task<string?> GetAsync(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        return File.Exists(path) ? (await File.ReadAllTextAsync(path, ct)).Trim() : null;
    }

    public async Task SetAsync(string key, string value, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var path = PathOf(key);
        var tmp = path + ".tmp";
        await using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            await f.WriteAsync(Encoding.UTF8.GetBytes(value), ct);
            f.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
    }

    private string PathOf(string key)
    {
        var safe = new string(key.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        return Path.Combine(directory, safe + ".checkpoint");
    }
}

/// <summary>Checkpoints in Redis: they outlive the pod and every replica sees them.</summary>
public sealed class RedisCheckpointStore(string configuration, string prefix) : ICheckpointStore, IAsyncDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _redis = new(() =>
    {
        var o = ConfigurationOptions.Parse(configuration);
        o.AbortOnConnectFail = false;
        return ConnectionMultiplexer.ConnectAsync(o);
    });

    public async Task<string?> GetAsync(string key, CancellationToken ct) =>
        await (await _redis.Value).GetDatabase().StringGetAsync(prefix + key).WaitAsync(ct) is { IsNull: false } v ? v.ToString() : null;

    public async Task SetAsync(string key, string value, CancellationToken ct) =>
        await (await _redis.Value).GetDatabase().StringSetAsync(prefix + key, value).WaitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        if (_redis.IsValueCreated)
        {
            await (await _redis.Value).DisposeAsync();
        }
    }
}
