using StackExchange.Redis;

namespace MillionX.Pipeline.Stages.ContextEnricher;

/// <summary>
/// The catalogue in Redis, shared by every enricher replica: one hash per product plus a set of product keys. Each
/// order line is folded in by a Lua script, atomically, so concurrent replicas never lose an update. Like
/// <see cref="DuckDbSession"/>, the connection is closed only once no call is using it, and a call after the close
/// fails as a stop (<see cref="OperationCanceledException"/>) instead of reconnecting or touching a disposed connection.
/// </summary>
public sealed class RedisCatalogueStore(string configuration, string prefix, ILogger<RedisCatalogueStore> logger) : ICatalogueStore
{
    // KEYS[1] product hash, KEYS[2] index set; ARGV: member, platform, id, name, latest price, currency, latest-at ticks,
    // min price, max price, order lines: one batch's lines of one product, folded in C# first.
    private const string MergeScript = """
        local h = KEYS[1]
        local at = tonumber(ARGV[7])
        local minPrice = tonumber(ARGV[8])
        local maxPrice = tonumber(ARGV[9])
        local latestAt = tonumber(redis.call('HGET', h, 'latest_at') or '-1')
        if latestAt < 0 then
          redis.call('HSET', h, 'platform', ARGV[2], 'product_id', ARGV[3], 'name', ARGV[4], 'latest_price', ARGV[5],
            'min_price', ARGV[8], 'max_price', ARGV[9], 'currency', ARGV[6], 'times_seen', ARGV[10], 'latest_at', ARGV[7])
        else
          if at >= latestAt then
            redis.call('HSET', h, 'name', ARGV[4], 'latest_price', ARGV[5], 'currency', ARGV[6], 'latest_at', ARGV[7])
          end
          if minPrice < tonumber(redis.call('HGET', h, 'min_price')) then redis.call('HSET', h, 'min_price', ARGV[8]) end
          if maxPrice > tonumber(redis.call('HGET', h, 'max_price')) then redis.call('HSET', h, 'max_price', ARGV[9]) end
          redis.call('HINCRBY', h, 'times_seen', tonumber(ARGV[10]))
        end
        redis.call('SADD', KEYS[2], ARGV[1])
        return 1
        """;

    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly Lock _gate = new();
    private ConnectionMultiplexer? _redis;
    private int _calls;
    private bool _closed;
    private TaskCompletionSource? _idle;

    private RedisKey Index => prefix + "index";

    public async Task UpsertAsync(IReadOnlyList<AnonymisedOrder> orders, CancellationToken ct)
    {
        Enter();
        try
        {
            var db = (await ConnectAsync(ct)).GetDatabase();
            // One script call per product of the batch (its lines folded first, as Merge folds them), all pipelined:
            // the round trips follow the products a batch touches, not its order lines.
            var folded = new Dictionary<string, CatalogueProduct>(StringComparer.Ordinal);
            foreach (var o in orders)
            {
                var key = $"{o.Platform}:{o.ProductId}";
                folded[key] = CatalogueProduct.Merge(folded.GetValueOrDefault(key), o);
            }

            var tasks = folded.Select(f => db.ScriptEvaluateAsync(MergeScript,
                [(RedisKey)(prefix + f.Key), Index],
                [
                    f.Key, f.Value.Platform, f.Value.ProductId, f.Value.Name, f.Value.LatestPrice.ToString(CultureInfo.InvariantCulture), f.Value.Currency,
                    f.Value.LatestAtUtc.Ticks, f.Value.MinPrice.ToString(CultureInfo.InvariantCulture), f.Value.MaxPrice.ToString(CultureInfo.InvariantCulture),
                    f.Value.TimesSeen,
                ]));
            await Task.WhenAll(tasks).WaitAsync(ct);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            throw new TransientCatalogueException($"Redis unavailable: {ex.Message}", ex);
        }
        finally
        {
            Exit();
        }
    }

    public async Task<IReadOnlyList<CatalogueProduct>> LoadAsync(CancellationToken ct)
    {
        Enter();
        try
        {
            var db = (await ConnectAsync(ct)).GetDatabase();
            var members = await db.SetMembersAsync(Index).WaitAsync(ct);
            var hashes = await Task.WhenAll(members.Select(m => db.HashGetAllAsync(prefix + m.ToString()))).WaitAsync(ct);
            return hashes.Where(h => h.Length > 0).Select(h => h.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString()))
                .Select(d => new CatalogueProduct(
                    d["platform"], d["product_id"], d["name"], Dec(d["latest_price"]), Dec(d["min_price"]), Dec(d["max_price"]), d["currency"],
                    long.Parse(d["times_seen"], CultureInfo.InvariantCulture), new DateTime(long.Parse(d["latest_at"], CultureInfo.InvariantCulture), DateTimeKind.Utc)))
                .ToList();
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            throw new TransientCatalogueException($"Redis unavailable: {ex.Message}", ex);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Counts a call in; refused once the store is closed.</summary>
    private void Enter()
    {
        lock (_gate)
        {
            if (_closed)
            {
                throw new OperationCanceledException("The Redis catalogue store was closed: the host is stopping.");
            }

            _calls++;
        }
    }

    private void Exit()
    {
        lock (_gate)
        {
            if (--_calls == 0)
            {
                _idle?.TrySetResult();
            }
        }
    }

    private static decimal Dec(string s) => decimal.Parse(s, NumberStyles.Number, CultureInfo.InvariantCulture);

    private async Task<ConnectionMultiplexer> ConnectAsync(CancellationToken ct)
    {
        if (_redis is not null)
        {
            return _redis;
        }

        await _connectLock.WaitAsync(ct);
        try
        {
            if (_redis is null)
            {
                var options = ConfigurationOptions.Parse(configuration);
                // Keep retrying in the background; callers see a transient failure meanwhile instead of a crash.
                options.AbortOnConnectFail = false;
                options.ConnectTimeout = 2000;
                options.SyncTimeout = 2000;
                options.AsyncTimeout = 2000;
                _redis = await ConnectionMultiplexer.ConnectAsync(options);
                logger.LogInformation("Product catalogue in Redis at {Endpoints}", string.Join(", ", options.EndPoints));
            }

            return _redis;
        }
        catch (RedisConnectionException ex)
        {
            throw new TransientCatalogueException($"Redis unavailable: {ex.Message}", ex);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>Waits for the calls in progress (each bounded by its timeouts and its caller's token), then closes for good.</summary>
    public async ValueTask DisposeAsync()
    {
        Task idle;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_calls == 0)
            {
                _idle.TrySetResult();
            }

            idle = _idle.Task;
        }

        await idle;
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
