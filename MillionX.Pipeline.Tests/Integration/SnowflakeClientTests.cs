using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Warehouse.Snowflake;
using MillionX.Pipeline.Warehouse;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// The SQL API client and the Snowflake writer, built by the production registration (the <c>snowflake</c> HttpClient
/// behind its resilience handler, see <see cref="StoreClients"/>), against <see cref="FakeSnowflake"/>: a real HTTP
/// server that checks the key-pair JWT, requestId/retry, the statement and its bindings on every request.
/// </summary>
public sealed partial class SnowflakeClientTests : IAsyncLifetime
{
    // Lower case with a region suffix on purpose: the JWT must carry the upper-case account locator without the region.
    private const string Account = "xy12345.ap-southeast-1";
    private const string User = "loader";
    private const string QualifiedUser = "XY12345.LOADER";

    private static readonly string[] OrderColumns =
        ["PLATFORM", "ORDER_ID", "PRODUCT_ID", "MERCHANT_ID", "PRODUCT_NAME", "QUANTITY", "PRICE", "CURRENCY", "ORDER_STATUS", "CUSTOMER_PHONE_HASH", "TIMESTAMP", "INGESTION_TIME", "HASH_KEY_ID", "LINE_ID", "SOURCE_UPDATED_AT"];

    private static readonly string[] PriceColumns = ["PLATFORM", "PRODUCT_ID", "ORDER_ID", "PRICE", "CURRENCY", "RECORDED_AT", "INGESTION_TIME"];

    private static readonly string[] WeatherColumns = ["CITY", "RECORDED_AT", "TEMPERATURE", "CONDITION", "HUMIDITY", "WIND_SPEED", "IS_EXTREME_WEATHER", "INGESTION_TIME", "TIMESTAMP"];

    // One key pair for the class: generating a 2048-bit key costs up to seconds, a fake server per test does not.
    private static readonly RSA SharedKey = NewKey();

    private readonly RSA _key = SharedKey;
    private readonly List<StoreClients> _clients = [];
    private FakeSnowflake _server = null!;

    public async Task InitializeAsync() => _server = await FakeSnowflake.StartAsync(_key.ExportSubjectPublicKeyInfo(), QualifiedUser);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        foreach (var c in _clients)
        {
            await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task ExecuteAsync_ServerAnswers200_ReturnsResultSetFromOneAuthenticatedRequest()
    {
        var client = Client(Options());

        var result = await client.ExecuteAsync("SELECT ?, ?, '?' AS literal", ["dhaka", null], CancellationToken.None);

        Assert.Equal("2", Assert.Single(Assert.Single(result.Data!)));
        Assert.Equal("090001", result.Code);
        var post = Assert.Single(_server.Requests);
        Assert.Equal(200, post.Answer);
        Assert.Equal(FakeSnowflake.StatementsPath, post.Path);
        Assert.NotNull(post.RequestId);
        Assert.Null(post.RetryParameter);
        Assert.Equal(["dhaka", null], post.Bindings);
        Assert.Equal(QualifiedUser, post.Claims!.Sub);
        Assert.True(post.Claims.Exp - post.Claims.Iat <= 3600);
        Assert.False(string.IsNullOrEmpty(result.StatementHandle));
        Assert.Equal(1, _server.Executions(post.RequestId!.Value));
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public async Task ExecuteAsync_202ThenStatusPolled_ReturnsResultOnceStatusIs200()
    {
        _server.Script(FakeReply.Accepted(polls: 3));
        var client = Client(Options());

        var result = await client.ExecuteAsync("SELECT ?", ["x"], CancellationToken.None);

        Assert.Equal("1", Assert.Single(Assert.Single(result.Data!)));
        var requests = _server.Requests;
        Assert.Equal(["POST", "GET", "GET", "GET", "GET"], requests.Select(r => r.Method));
        Assert.Equal([202, 202, 202, 202, 200], requests.Select(r => r.Answer));
        Assert.All(requests.Skip(1), r => Assert.Equal($"{FakeSnowflake.StatementsPath}/{result.StatementHandle}", r.Path));
        Assert.All(requests, r => Assert.Equal(QualifiedUser, r.Claims!.Sub));
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public async Task ExecuteAsync_202ThenStatementFails_ThrowsStatementExceptionWithoutResubmitting()
    {
        _server.Script(FakeReply.Accepted(polls: 1, failAfterPolls: true));
        var client = Client(Options());

        var ex = await Assert.ThrowsAsync<SnowflakeStatementException>(() => client.ExecuteAsync("SELECT 1", [], CancellationToken.None));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, ex.Status);
        Assert.Equal("002003", ex.Code);
        Assert.Single(_server.Posts);
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public async Task ExecuteAsync_Throttled429_RetriesSameRequestIdWithRetryTrueLoggedAndCounted()
    {
        _server.Script(FakeReply.Throttled(), FakeReply.Throttled(), FakeReply.Ok());
        var clients = Clients(Options());
        var counted = Retries.Value;

        await clients.SnowflakeClient.ExecuteAsync("SELECT ?", ["x"], CancellationToken.None);

        var posts = _server.Posts;
        Assert.Equal([429, 429, 200], posts.Select(p => p.Answer));
        AssertOneRequestIdRetried(posts);
        Assert.Equal(counted + 2, Retries.Value);
        Assert.Equal(["attempt 1 of 5 failed (HTTP 429)", "attempt 2 of 5 failed (HTTP 429)"],
            clients.RetryWarnings<SnowflakeSqlApiClient>().Select(m => AttemptText().Match(m).Value));
        Assert.True(posts[^1].At - posts[0].At < TimeSpan.FromSeconds(1), "429 without Retry-After should back off from the tiny InitialBackoff");
        Assert.Empty(_server.Violations);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task ExecuteAsync_ServerError_RetriesSameRequestIdWithRetryTrue(int status)
    {
        _server.Script(FakeReply.ServerError(status), FakeReply.ServerError(status), FakeReply.Ok());
        var client = Client(Options());

        await client.ExecuteAsync("SELECT ?", ["x"], CancellationToken.None);

        var posts = _server.Posts;
        Assert.Equal([status, status, 200], posts.Select(p => p.Answer));
        AssertOneRequestIdRetried(posts);
        Assert.Equal(1, _server.Executions(posts[0].RequestId!.Value));
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public async Task ExecuteAsync_ServerHangs_TimesOutAndRetriesWithoutRunningTwice()
    {
        _server.Script(FakeReply.Hang(), FakeReply.Ok());

        // Long enough for a loaded machine: at 300 ms the fake once recorded the hung POST so late that the retry came
        // 238 ms after it, and an attempt that times out before it reaches the fake is not recorded at all.
        var timeout = TimeSpan.FromSeconds(2);
        var client = Client(Options(o => o.HttpTimeout = timeout));
        var stopwatch = Stopwatch.StartNew();

        var result = await client.ExecuteAsync("MERGE INTO T USING (SELECT ?) s ON 1 = 1 WHEN MATCHED THEN DELETE", ["x"], CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("1", Assert.Single(Assert.Single(result.Data!)));
        var posts = _server.Posts;
        Assert.Equal([0, 200], posts.Select(p => p.Answer));
        AssertOneRequestIdRetried(posts);

        // The retry waited for the attempt's timeout: one that did not would come tens of ms after the hung POST. Half
        // the timeout leaves room for the fake to have recorded the hung POST late.
        var gap = posts[1].At - posts[0].At;
        Assert.True(gap >= timeout / 2, $"retried {gap.TotalMilliseconds:0} ms after the hung POST, well before the {timeout.TotalSeconds:0} s timeout");

        // The hang cost the attempt's timeout, not the default 60 s nor HttpClient's 100 s; the bound leaves a slow
        // machine room.
        Assert.True(stopwatch.Elapsed < timeout * 3, $"took {stopwatch.Elapsed.TotalSeconds:0.0} s with a {timeout.TotalSeconds:0} s attempt timeout");

        // The hung attempt reached the server; retry=true is what keeps the resubmission from running it again.
        Assert.Equal(1, _server.Executions(posts[0].RequestId!.Value));
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public async Task ExecuteAsync_AttemptsExhausted_ThrowsTransientWarehouseException()
    {
        _server.Script(FakeReply.ServerError(503), FakeReply.Throttled(), FakeReply.ServerError(500), FakeReply.Ok());
        var client = Client(Options(o => o.MaxAttempts = 3));

        var ex = await Assert.ThrowsAsync<TransientWarehouseException>(() => client.ExecuteAsync("SELECT 1", [], CancellationToken.None));

        Assert.Contains("3 attempts", ex.Message, StringComparison.Ordinal);
        var posts = _server.Posts;
        Assert.Equal([503, 429, 500], posts.Select(p => p.Answer));
        AssertOneRequestIdRetried(posts);
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public async Task ExecuteAsync_HangsEveryTime_ThrowsTransientAfterMaxAttempts()
    {
        _server.Script(FakeReply.Hang(), FakeReply.Hang());
        var client = Client(Options(o =>
        {
            o.MaxAttempts = 2;

            // Each attempt is recorded only if it reaches the fake before it times out; at 200 ms a loaded machine
            // sometimes timed one out first. 2 s makes the test take about 4 s.
            o.HttpTimeout = TimeSpan.FromSeconds(2);
        }));

        await Assert.ThrowsAsync<TransientWarehouseException>(() => client.ExecuteAsync("SELECT 1", [], CancellationToken.None));

        AssertOneRequestIdRetried(_server.Posts);
        Assert.Equal(2, _server.Posts.Count);
    }

    [Fact]
    public async Task ExecuteAsync_422_ThrowsStatementExceptionWithoutRetry()
    {
        _server.Script(FakeReply.SqlError(), FakeReply.Ok());
        var client = Client(Options());

        var ex = await Assert.ThrowsAsync<SnowflakeStatementException>(() => client.ExecuteAsync("SELECT * FROM ORDERS", [], CancellationToken.None));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, ex.Status);
        Assert.Equal("002003", ex.Code);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Single(_server.Posts);
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public async Task WriteAsync_ValueAColumnCannotHold_BatchRejectedWithoutRetry()
    {
        var clients = Clients(Options());
        var batch = new WarehouseBatch();
        batch.Add(Order(1) with { Price = 100_000_000_000_000m });
        var counted = Retries.Value;

        var ex = await Assert.ThrowsAsync<BatchRejectedException>(() => clients.Warehouse.WriteAsync(batch, CancellationToken.None));

        Assert.Contains("out of range", ex.Message, StringComparison.Ordinal);
        Assert.Equal("22003", Assert.IsType<SnowflakeStatementException>(ex.InnerException).SqlState);
        var post = Assert.Single(_server.Posts);
        Assert.Equal(422, post.Answer);
        Assert.Empty(clients.RetryWarnings<SnowflakeSqlApiClient>());
        Assert.Equal(counted, Retries.Value);
    }

    [Fact]
    public async Task ExecuteAsync_401_ThrowsStatementExceptionWithoutRetry()
    {
        _server.Script(FakeReply.Unauthorized(), FakeReply.Ok());
        var client = Client(Options());

        var ex = await Assert.ThrowsAsync<SnowflakeStatementException>(() => client.ExecuteAsync("SELECT 1", [], CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, ex.Status);
        Assert.Equal("390144", ex.Code);
        Assert.Single(_server.Posts);
    }

    [Fact]
    public async Task ExecuteAsync_RetryAfterBeyondMaxBackoff_WaitsMaxBackoffOnTheHostClock()
    {
        var clock = new ObservableClock(DateTimeOffset.UtcNow);
        await using var server = await FakeSnowflake.StartAsync(_key.ExportSubjectPublicKeyInfo(), QualifiedUser, clock);
        server.Script(FakeReply.Throttled(retryAfterSeconds: 120), FakeReply.Ok());
        var clients = Clients(Options(o =>
        {
            o.AccountUrl = server.Url.ToString();
            o.MaxBackoff = TimeSpan.FromSeconds(10);
            o.HttpTimeout = TimeSpan.FromMinutes(5);
        }), clock);

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var call = clients.SnowflakeClient.ExecuteAsync("SELECT 1", [], stop.Token);

        // The retry waits on the container's TimeProvider: nothing is resent until the fake clock passes MaxBackoff.
        await clients.PassRetryDelayAsync<SnowflakeSqlApiClient>(clock, TimeSpan.FromSeconds(10), () => server.Posts.Count);
        await call.WaitAsync(TimeSpan.FromSeconds(10));

        var posts = server.Posts;
        Assert.Equal([429, 200], posts.Select(p => p.Answer));
        AssertOneRequestIdRetried(posts);
        Assert.Empty(server.Violations);
    }

    [Fact]
    public async Task ExecuteAsync_TokenSignedWithUnregisteredKey_RejectedWith401()
    {
        using var other = RSA.Create(2048);
        var client = Client(Options(o => o.PrivateKey = other.ExportPkcs8PrivateKeyPem()));

        var ex = await Assert.ThrowsAsync<SnowflakeStatementException>(() => client.ExecuteAsync("SELECT 1", [], CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, ex.Status);
        Assert.Single(_server.Requests);
        Assert.Contains(_server.Violations, v => v.Contains("iss", StringComparison.Ordinal) || v.Contains("signature", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExecuteAsync_RetryAfter_WaitsThatLongBeforeRetrying()
    {
        _server.Script(FakeReply.Throttled(retryAfterSeconds: 1), FakeReply.Ok());
        var client = Client(Options(o =>
        {
            o.InitialBackoff = TimeSpan.FromMilliseconds(1);
            o.MaxBackoff = TimeSpan.FromSeconds(5);
        }));

        await client.ExecuteAsync("SELECT 1", [], CancellationToken.None);

        var posts = _server.Posts;
        Assert.Equal([429, 200], posts.Select(p => p.Answer));
        AssertOneRequestIdRetried(posts);
        var gap = posts[1].At - posts[0].At;
        Assert.True(gap >= TimeSpan.FromMilliseconds(950), $"retried {gap.TotalMilliseconds:0} ms after a 429 with Retry-After: 1");
        Assert.True(gap < TimeSpan.FromSeconds(3), $"retried {gap.TotalMilliseconds:0} ms after a 429 with Retry-After: 1");
    }

    [Fact]
    public async Task ExecuteAsync_ClockAdvances_ReusesJwtWhileValidAndRenewsNearExpiry()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await FakeSnowflake.StartAsync(_key.ExportSubjectPublicKeyInfo(), QualifiedUser, clock);
        var options = Options();
        options.AccountUrl = server.Url.ToString();
        var client = Client(options, clock);

        await client.ExecuteAsync("SELECT 1", [], CancellationToken.None);
        await client.ExecuteAsync("SELECT 2", [], CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(50));
        await client.ExecuteAsync("SELECT 3", [], CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(5));
        await client.ExecuteAsync("SELECT 4", [], CancellationToken.None);
        await client.ExecuteAsync("SELECT 5", [], CancellationToken.None);

        var tokens = server.Requests.Select(r => r.Token).ToList();
        Assert.Equal(5, tokens.Count);
        Assert.Equal(tokens[0], tokens[1]);
        Assert.Equal(tokens[0], tokens[2]);
        Assert.NotEqual(tokens[2], tokens[3]);
        Assert.Equal(tokens[3], tokens[4]);
        var renewed = server.Requests[3].Claims!;
        Assert.Equal(clock.GetUtcNow().ToUnixTimeSeconds(), renewed.Iat);
        Assert.True(renewed.Exp - renewed.Iat <= 3600);
        Assert.Empty(server.Violations);
    }

    [Fact]
    public async Task ExecuteAsync_RetryLaterThanTheTokenLasts_ResentWithAFreshToken()
    {
        var clock = new ObservableClock(DateTimeOffset.UtcNow);
        await using var server = await FakeSnowflake.StartAsync(_key.ExportSubjectPublicKeyInfo(), QualifiedUser, clock);
        server.Script(FakeReply.Throttled(retryAfterSeconds: 3300), FakeReply.Ok());
        var clients = Clients(Options(o =>
        {
            o.AccountUrl = server.Url.ToString();
            o.MaxBackoff = TimeSpan.FromHours(1);
            o.HttpTimeout = TimeSpan.FromHours(2);
        }), clock);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var call = clients.SnowflakeClient.ExecuteAsync("SELECT 1", [], stop.Token);
        await clients.PassRetryDelayAsync<SnowflakeSqlApiClient>(clock, TimeSpan.FromSeconds(3300), () => server.Posts.Count);
        await call.WaitAsync(TimeSpan.FromSeconds(10));

        // 55 minutes on, the first token has less than the 5 minutes left that the client renews at.
        var posts = server.Posts;
        AssertOneRequestIdRetried(posts);
        Assert.NotEqual(posts[0].Token, posts[1].Token);
        Assert.Equal(clock.GetUtcNow().ToUnixTimeSeconds(), posts[1].Claims!.Iat);
        Assert.Empty(server.Violations);
    }

    [Fact]
    public async Task EnsureSchemaAsync_DdlFile_SendsEachCreateTableAndMigrationAsItsOwnStatement()
    {
        await using var writer = Writer(Options());

        await writer.EnsureSchemaAsync(CancellationToken.None);

        var posts = _server.Posts;
        var creates = posts.Where(p => p.Statement!.StartsWith("CREATE TABLE IF NOT EXISTS ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["ORDERS", "PRICE_HISTORY", "WEATHER_LOGS", "KEY_FINGERPRINTS"], creates.Select(p => CreateTableName().Match(p.Statement!).Groups[1].Value));
        Assert.All(posts, p =>
        {
            Assert.Empty(p.Bindings);
            Assert.DoesNotContain(";", p.Statement, StringComparison.Ordinal);
            Assert.DoesNotContain("--", p.Statement, StringComparison.Ordinal);
        });
        Assert.Contains("PRIMARY KEY (PLATFORM, ORDER_ID, PRODUCT_ID, LINE_ID)", creates[0].Statement, StringComparison.Ordinal);
        Assert.Contains("PRIMARY KEY (PLATFORM, PRODUCT_ID, ORDER_ID)", creates[1].Statement, StringComparison.Ordinal);
        Assert.Contains("PRIMARY KEY (CITY, RECORDED_AT)", creates[2].Statement, StringComparison.Ordinal);

        // A table created before order lines had a line id and a version gets the columns, filled for its old rows.
        Assert.Equal(
            ["ALTER TABLE ORDERS ADD COLUMN IF NOT EXISTS LINE_ID VARCHAR DEFAULT ''", "ALTER TABLE ORDERS ADD COLUMN IF NOT EXISTS SOURCE_UPDATED_AT TIMESTAMP_NTZ"],
            posts.Select(p => p.Statement!).Where(s => s.StartsWith("ALTER TABLE ORDERS", StringComparison.Ordinal)));
        Assert.Single(posts, p => p.Statement!.StartsWith("UPDATE ORDERS SET LINE_ID = COALESCE(LINE_ID, ''), SOURCE_UPDATED_AT = COALESCE(SOURCE_UPDATED_AT, \"TIMESTAMP\")", StringComparison.Ordinal));
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public async Task EnsureSchemaAsync_TablesOfTheEarlierLayoutInPublic_MovedToRawDataAndRenamedBeforeTheDdl_ThenNothingToDo()
    {
        // The account's tables as an earlier version left them: in PUBLIC, with ORDER_TIMESTAMP and OBSERVED_AT. The fake
        // answers the writer's INFORMATION_SCHEMA query from these (a DuckDB stand-in for the account's catalogue).
        using var tables = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:");
        tables.Open();
        tables.Execute("""
            CREATE SCHEMA "PUBLIC"; CREATE SCHEMA RAW_DATA;
            CREATE TABLE "PUBLIC".ORDERS (PLATFORM VARCHAR, ORDER_ID VARCHAR, PRODUCT_ID VARCHAR, ORDER_TIMESTAMP TIMESTAMP, LINE_ID VARCHAR, SOURCE_UPDATED_AT TIMESTAMP);
            CREATE TABLE "PUBLIC".PRICE_HISTORY (PLATFORM VARCHAR, PRODUCT_ID VARCHAR, ORDER_ID VARCHAR, OBSERVED_AT TIMESTAMP);
            CREATE TABLE "PUBLIC".WEATHER_LOGS (CITY VARCHAR, OBSERVED_AT TIMESTAMP, TEMPERATURE DOUBLE);
            CREATE TABLE "PUBLIC".SOCIAL_POSTS (ID VARCHAR, OBSERVED_AT TIMESTAMP);
            """);
        _server.Tables = tables;
        var options = Options(o => o.Schema = "RAW_DATA");
        await using (var writer = Writer(options))
        {
            await writer.EnsureSchemaAsync(CancellationToken.None);
        }

        var sent = _server.Posts.Select(p => p.Statement!).ToList();
        Assert.Equal("CREATE SCHEMA IF NOT EXISTS MILLIONX.RAW_DATA", sent[0]);
        Assert.StartsWith("SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA IN ('RAW_DATA', 'PUBLIC')", sent[1], StringComparison.Ordinal);
        Assert.Equal(
        [
            "ALTER TABLE MILLIONX.PUBLIC.ORDERS RENAME TO MILLIONX.RAW_DATA.ORDERS",
            "ALTER TABLE ORDERS RENAME COLUMN ORDER_TIMESTAMP TO \"TIMESTAMP\"",
            "ALTER TABLE MILLIONX.PUBLIC.PRICE_HISTORY RENAME TO MILLIONX.RAW_DATA.PRICE_HISTORY",
            "ALTER TABLE PRICE_HISTORY RENAME COLUMN OBSERVED_AT TO RECORDED_AT",
            "ALTER TABLE MILLIONX.PUBLIC.WEATHER_LOGS RENAME TO MILLIONX.RAW_DATA.WEATHER_LOGS",
            "ALTER TABLE WEATHER_LOGS RENAME COLUMN OBSERVED_AT TO RECORDED_AT",
        ], sent[2..8]);

        // Then the DDL, whose statements already use the new names: the old rows' version comes from "TIMESTAMP", and the
        // weather table gets the plan's "TIMESTAMP" filled from RECORDED_AT.
        Assert.StartsWith("CREATE TABLE IF NOT EXISTS ORDERS (", sent[8], StringComparison.Ordinal);
        Assert.Contains(sent, s => s.StartsWith("UPDATE ORDERS SET LINE_ID = COALESCE(LINE_ID, ''), SOURCE_UPDATED_AT = COALESCE(SOURCE_UPDATED_AT, \"TIMESTAMP\")", StringComparison.Ordinal));
        Assert.Contains("ALTER TABLE WEATHER_LOGS ADD COLUMN IF NOT EXISTS \"TIMESTAMP\" TIMESTAMP_NTZ", sent);
        Assert.Contains("UPDATE WEATHER_LOGS SET \"TIMESTAMP\" = RECORDED_AT WHERE \"TIMESTAMP\" IS NULL", sent);
        Assert.DoesNotContain(sent, s => s.Contains("SOCIAL_POSTS", StringComparison.Ordinal));
        Assert.Empty(_server.Violations);

        // As Snowflake would have applied them (DuckDB cannot move a table between schemas with RENAME: copy and drop),
        // a second start reads the plan's layout and sends no ALTER ... RENAME.
        foreach (var table in WarehouseTables.All)
        {
            tables.Execute($"CREATE TABLE RAW_DATA.{table} AS SELECT * FROM \"PUBLIC\".{table}; DROP TABLE \"PUBLIC\".{table};");
        }

        tables.Execute("""
            ALTER TABLE RAW_DATA.ORDERS RENAME COLUMN ORDER_TIMESTAMP TO "TIMESTAMP";
            ALTER TABLE RAW_DATA.PRICE_HISTORY RENAME COLUMN OBSERVED_AT TO RECORDED_AT;
            ALTER TABLE RAW_DATA.WEATHER_LOGS RENAME COLUMN OBSERVED_AT TO RECORDED_AT;
            ALTER TABLE RAW_DATA.WEATHER_LOGS ADD COLUMN "TIMESTAMP" TIMESTAMP;
            """);
        var before = _server.Posts.Count;
        await using (var writer = Writer(options))
        {
            await writer.EnsureSchemaAsync(CancellationToken.None);
        }

        var second = _server.Posts.Skip(before).Select(p => p.Statement!).ToList();
        Assert.DoesNotContain(second, s => s.Contains(" RENAME ", StringComparison.Ordinal));
        Assert.Equal(sent.Count - 6, second.Count);
    }

    [Fact]
    public void SchemaMigration_TargetHasTheTableAlready_NeitherMovesNorRenamesWhatIsInPlace()
    {
        var options = new SnowflakeOptions { Database = "MILLIONX", Schema = "RAW_DATA", MigrateFromSchema = "PUBLIC" };
        var statements = SnowflakeSchemaMigration.Statements(options,
        [
            ("RAW_DATA", "ORDERS", "TIMESTAMP"), ("PUBLIC", "ORDERS", "ORDER_TIMESTAMP"),
            ("RAW_DATA", "PRICE_HISTORY", "OBSERVED_AT"),
            ("PUBLIC", "WEATHER_LOGS", "RECORDED_AT"),
        ]);

        // ORDERS is in RAW_DATA already (the PUBLIC copy stays, for a person to look at); PRICE_HISTORY only needs its
        // column; WEATHER_LOGS moves and has the new name already.
        Assert.Equal(
        [
            "ALTER TABLE PRICE_HISTORY RENAME COLUMN OBSERVED_AT TO RECORDED_AT",
            "ALTER TABLE MILLIONX.PUBLIC.WEATHER_LOGS RENAME TO MILLIONX.RAW_DATA.WEATHER_LOGS",
        ], statements);
        Assert.Empty(SnowflakeSchemaMigration.Statements(options, []));
        Assert.Empty(SnowflakeSchemaMigration.Statements(new SnowflakeOptions { Database = "MILLIONX", Schema = "RAW_DATA", MigrateFromSchema = "" }, [("PUBLIC", "ORDERS", "ORDER_TIMESTAMP")]));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EnsureSchemaAsync_KeyIdRecordedWithAnotherKey_StopsAtStartAndTheSameKeyStarts(bool sameKey)
    {
        // The account's KEY_FINGERPRINTS as another loader (its own embedded broker, so no shared topic) left it.
        using var tables = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:");
        tables.Open();
        var mine = Privacy.PrivacyKeys.FromBytes(TestConfig.HashKey, TestConfig.DeadLetterKey);
        var other = Privacy.PrivacyKeys.FromBytes([.. TestConfig.HashKey.Reverse()], TestConfig.DeadLetterKey);
        tables.Execute("CREATE TABLE KEY_FINGERPRINTS (KEY_ID VARCHAR, FINGERPRINT VARCHAR, RECORDED_AT TIMESTAMP)");
        foreach (var (id, fingerprint) in Privacy.KeyFingerprints.Of(sameKey ? mine : other))
        {
            tables.Execute($"INSERT INTO KEY_FINGERPRINTS VALUES ('{id}', '{fingerprint}', now()::TIMESTAMP)");
        }

        _server.Tables = tables;
        var options = Options();
        var clients = Clients(options);
        await using var writer = new SnowflakeWarehouseWriter(clients.SnowflakeClient, options, new SnowflakeCostMeter(1, 3, TimeSpan.FromSeconds(60), TimeProvider.System),
            NullLogger<SnowflakeWarehouseWriter>.Instance, mine);

        if (sameKey)
        {
            await writer.EnsureSchemaAsync(CancellationToken.None);
        }
        else
        {
            var error = await Assert.ThrowsAsync<StartupException>(() => writer.EnsureSchemaAsync(CancellationToken.None));
            Assert.Contains("KEY_FINGERPRINTS", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(TestConfig.HashKey), error.Message, StringComparison.Ordinal);
        }

        // Its own fingerprints were offered for recording (kept only where the id was new), bound, never inlined.
        var merges = _server.Posts.Where(p => p.Statement!.StartsWith("MERGE INTO KEY_FINGERPRINTS", StringComparison.Ordinal)).ToList();
        Assert.Equal(Privacy.KeyFingerprints.Of(mine).Select(kv => new string?[] { kv.Key, kv.Value }), merges.Select(m => m.Bindings.ToArray()));
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public async Task WriteAsync_LargeBatch_SendsChunkedMergesWithinLimitsCoveringEveryRowOnce()
    {
        const int maxBindings = 1_300;
        const int maxRows = 150;
        const int maxBytes = 40_000;
        var options = Options(o =>
        {
            o.MaxBindingsPerStatement = maxBindings;
            o.MaxRowsPerStatement = maxRows;
            o.MaxStatementBytes = maxBytes;
        });
        await using var writer = Writer(options);
        var batch = new WarehouseBatch();
        var orders = Enumerable.Range(0, 3_000).Select(Order).ToList();
        var weather = Enumerable.Range(0, 10).Select(Weather).ToList();
        orders.ForEach(batch.Add);
        weather.ForEach(batch.Add);

        var result = await writer.WriteAsync(batch, CancellationToken.None);

        var posts = _server.Posts;
        Assert.Empty(_server.Violations);
        Assert.Equal(posts.Count, result.Statements);
        Assert.All(posts, p =>
        {
            Assert.Equal(200, p.Answer);
            Assert.StartsWith("MERGE INTO ", p.Statement, StringComparison.Ordinal);
            Assert.DoesNotContain("INSERT INTO", p.Statement, StringComparison.OrdinalIgnoreCase);
            Assert.True(p.BodyBytes <= maxBytes, $"request body of {p.BodyBytes} bytes is over MaxStatementBytes {maxBytes}");
        });

        var byTable = posts.GroupBy(p => MergeTableName().Match(p.Statement!).Groups[1].Value).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(["ORDERS", "PRICE_HISTORY", "WEATHER_LOGS"], byTable.Keys.Order());
        Assert.True(byTable["ORDERS"].Count >= 3_000 / (maxBindings / OrderColumns.Length), $"{byTable["ORDERS"].Count} ORDERS chunks");
        Assert.True(byTable["PRICE_HISTORY"].Count >= 3_000 / maxRows, $"{byTable["PRICE_HISTORY"].Count} PRICE_HISTORY chunks");

        var boundOrders = BoundRows(byTable["ORDERS"], OrderColumns, ["PLATFORM", "ORDER_ID", "PRODUCT_ID", "LINE_ID"], maxBindings, maxRows);
        var boundPrices = BoundRows(byTable["PRICE_HISTORY"], PriceColumns, ["PLATFORM", "PRODUCT_ID", "ORDER_ID"], maxBindings, maxRows);
        var boundWeather = BoundRows(byTable["WEATHER_LOGS"], WeatherColumns, ["CITY", "RECORDED_AT"], maxBindings, maxRows);

        Assert.Equal(orders.Count, boundOrders.Count);
        Assert.Equal(orders.Select(o => o.OrderId).Order(), boundOrders.Select(r => r["ORDER_ID"]!).Order());
        var ordersById = boundOrders.ToDictionary(r => r["ORDER_ID"]!);
        foreach (var o in orders)
        {
            var row = ordersById[o.OrderId];
            Assert.Equal(o.Platform, row["PLATFORM"]);
            Assert.Equal(o.ProductId, row["PRODUCT_ID"]);
            Assert.Equal(o.MerchantId, row["MERCHANT_ID"]);
            Assert.Equal(o.ProductName, row["PRODUCT_NAME"]);
            Assert.Equal(o.Quantity, int.Parse(row["QUANTITY"]!, NumberStyles.None, CultureInfo.InvariantCulture));
            AssertInvariantDecimal(o.Price, row["PRICE"]);
            Assert.Equal(o.Currency, row["CURRENCY"]);
            Assert.Equal(o.OrderStatus, row["ORDER_STATUS"]);
            Assert.Equal(o.CustomerPhoneHash, row["CUSTOMER_PHONE_HASH"]);
            AssertTimestamp(o.OrderTimestampUtc, row["TIMESTAMP"]);
            AssertTimestamp(o.IngestionTimeUtc, row["INGESTION_TIME"]);
            Assert.Equal(o.HashKeyId, row["HASH_KEY_ID"]);
        }

        Assert.Equal(orders.Count, boundPrices.Count);
        var pricesById = boundPrices.ToDictionary(r => r["ORDER_ID"]!);
        foreach (var o in orders)
        {
            var row = pricesById[o.OrderId];
            Assert.Equal((o.Platform, o.ProductId), (row["PLATFORM"], row["PRODUCT_ID"]));
            AssertInvariantDecimal(o.Price, row["PRICE"]);
            Assert.Equal(o.Currency, row["CURRENCY"]);
            AssertTimestamp(o.OrderTimestampUtc, row["RECORDED_AT"]);
            AssertTimestamp(o.IngestionTimeUtc, row["INGESTION_TIME"]);
        }

        Assert.Equal(weather.Count, boundWeather.Count);
        foreach (var w in weather)
        {
            var row = Assert.Single(boundWeather, r => r["CITY"] == w.City && ParseTimestamp(r["RECORDED_AT"]) == w.ObservedAtUtc);
            AssertTimestamp(w.ObservedAtUtc, row["TIMESTAMP"]);
            Assert.Equal(w.Temperature, double.Parse(row["TEMPERATURE"]!, CultureInfo.InvariantCulture));
            Assert.Equal(w.Condition, row["CONDITION"]);
            Assert.Equal(w.Humidity, double.Parse(row["HUMIDITY"]!, CultureInfo.InvariantCulture));
            Assert.Equal(w.WindSpeed, double.Parse(row["WIND_SPEED"]!, CultureInfo.InvariantCulture));
            Assert.Equal(w.IsExtremeWeather ? "TRUE" : "FALSE", row["IS_EXTREME_WEATHER"]);
            AssertTimestamp(w.IngestionTimeUtc, row["INGESTION_TIME"]);
        }
    }

    [Fact]
    public async Task WriteAsync_LongBanglaProductNames_EveryRequestBodyUnderMaxStatementBytes()
    {
        const int maxBytes = 20_000;
        await using var writer = Writer(Options(o => o.MaxStatementBytes = maxBytes));
        var batch = new WarehouseBatch();
        var orders = Enumerable.Range(0, 200)
            .Select(i => Order(i) with { ProductName = string.Concat(Enumerable.Repeat("জামদানি শাড়ি হাতে বোনা ঢাকাই মসলিন ", 4)) + i })
            .ToList();
        orders.ForEach(batch.Add);

        await writer.WriteAsync(batch, CancellationToken.None);

        var posts = _server.Posts;
        Assert.Empty(_server.Violations);
        Assert.All(posts, p => Assert.True(p.BodyBytes <= maxBytes, $"request body of {p.BodyBytes} bytes is over MaxStatementBytes {maxBytes}"));
        var names = BoundRows(posts.Where(p => p.Statement!.StartsWith("MERGE INTO ORDERS ", StringComparison.Ordinal)).ToList(),
            OrderColumns, ["PLATFORM", "ORDER_ID", "PRODUCT_ID", "LINE_ID"], int.MaxValue, int.MaxValue).Select(r => r["PRODUCT_NAME"]);
        Assert.Equal(orders.Select(o => o.ProductName).Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WriteAsync_DuplicateNaturalKeys_SendsEachKeyOnceWithLastValue()
    {
        await using var writer = Writer(Options());
        var batch = new WarehouseBatch();
        var first = Order(1);
        batch.Add(first);
        batch.Add(Order(2));
        batch.Add(first with { OrderStatus = "delivered", Price = 99.5m });
        batch.Add(Weather(1));
        batch.Add(Weather(1) with { Temperature = 41.5 });

        var result = await writer.WriteAsync(batch, CancellationToken.None);

        Assert.Equal(5, batch.RecordCount);
        Assert.Equal(3, result.Statements);
        var byTable = _server.Posts.ToDictionary(p => MergeTableName().Match(p.Statement!).Groups[1].Value);
        var orders = BoundRows([byTable["ORDERS"]], OrderColumns, ["PLATFORM", "ORDER_ID", "PRODUCT_ID", "LINE_ID"], int.MaxValue, int.MaxValue);
        Assert.Equal([first.OrderId, Order(2).OrderId], orders.Select(r => r["ORDER_ID"]).Order());
        var kept = Assert.Single(orders, r => r["ORDER_ID"] == first.OrderId);
        Assert.Equal("delivered", kept["ORDER_STATUS"]);
        AssertInvariantDecimal(99.5m, kept["PRICE"]);
        Assert.Equal(2, BoundRows([byTable["PRICE_HISTORY"]], PriceColumns, ["PLATFORM", "PRODUCT_ID", "ORDER_ID"], int.MaxValue, int.MaxValue).Count);
        var weather = Assert.Single(BoundRows([byTable["WEATHER_LOGS"]], WeatherColumns, ["CITY", "RECORDED_AT"], int.MaxValue, int.MaxValue));
        Assert.Equal(41.5, double.Parse(weather["TEMPERATURE"]!, CultureInfo.InvariantCulture));
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public async Task WriteAsync_ChunkThrottledThenHung_RetriesThatChunkAndRunsEveryChunkOnce()
    {
        var options = Options(o =>
        {
            o.MaxRowsPerStatement = 10;
            // Long enough that the hung request reaches the fake before the attempt times out even on a loaded machine
            // (at 300 ms a busy CI run once timed the attempt out first, so the resend looked like a first submission).
            o.HttpTimeout = TimeSpan.FromMilliseconds(1500);
        });
        await using var writer = Writer(options);
        var batch = new WarehouseBatch();
        foreach (var o in Enumerable.Range(0, 25).Select(Order))
        {
            batch.Add(o);
        }

        _server.Script(FakeReply.Ok(), FakeReply.Throttled(), FakeReply.Hang(), FakeReply.Ok());

        var result = await writer.WriteAsync(batch, CancellationToken.None);

        Assert.Equal(6, result.Statements);
        var posts = _server.Posts;
        Assert.Equal(8, posts.Count);
        var requestIds = posts.Select(p => p.RequestId!.Value).Distinct().ToList();
        Assert.Equal(6, requestIds.Count);
        Assert.All(requestIds, id => Assert.Equal(1, _server.Executions(id)));
        Assert.Equal(25, BoundRows(posts.Where(p => p.Answer == 200 && p.Statement!.StartsWith("MERGE INTO ORDERS ", StringComparison.Ordinal)).ToList(),
            OrderColumns, ["PLATFORM", "ORDER_ID", "PRODUCT_ID", "LINE_ID"], int.MaxValue, 10).Select(r => r["ORDER_ID"]).Distinct().Count());
        Assert.Empty(_server.Violations);
    }

    private static Prometheus.Counter.Child Retries => HttpClientResilience.Retries.WithLabels(SnowflakeRegistration.HttpClientName);

    private static void AssertOneRequestIdRetried(IReadOnlyList<RecordedRequest> posts)
    {
        Assert.True(posts.Count >= 2);
        Assert.All(posts, p => Assert.Equal(posts[0].RequestId, p.RequestId));
        Assert.Null(posts[0].RetryParameter);
        Assert.All(posts.Skip(1), p => Assert.Equal("true", p.RetryParameter));
    }

    private static void AssertInvariantDecimal(decimal expected, string? bound)
    {
        Assert.NotNull(bound);
        Assert.Matches(@"^-?\d+(\.\d+)?$", bound);
        Assert.Equal(expected, decimal.Parse(bound, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture));
    }

    private static void AssertTimestamp(DateTime expectedUtc, string? bound) => Assert.Equal(expectedUtc, ParseTimestamp(bound));

    private static DateTime ParseTimestamp(string? bound)
    {
        Assert.NotNull(bound);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,9})?$", bound);
        return DateTime.SpecifyKind(DateTime.Parse(bound, CultureInfo.InvariantCulture, DateTimeStyles.None), DateTimeKind.Utc);
    }

    /// <summary>
    /// Rebuilds the rows a table's MERGE requests bound: each statement's <c>columnN[::CAST] AS NAME</c> list says which
    /// position is which column; checks the statement's shape, casts, natural key and per-chunk limits on the way.
    /// </summary>
    private static List<Dictionary<string, string?>> BoundRows(
        IReadOnlyList<RecordedRequest> posts, string[] columns, string[] key, int maxBindings, int maxRows)
    {
        var rows = new List<Dictionary<string, string?>>();
        foreach (var post in posts)
        {
            var sql = post.Statement!;
            var positions = SourceColumn().Matches(sql).ToDictionary(m => m.Groups[3].Value, m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) - 1);
            Assert.Equal(columns.Order(), positions.Keys.Order());
            Assert.Equal(Enumerable.Range(0, columns.Length), positions.Values.Order());
            foreach (var m in SourceColumn().Matches(sql).Cast<Match>())
            {
                var cast = m.Groups[2].Value;
                var name = m.Groups[3].Value;
                if (name is "PRICE")
                {
                    Assert.StartsWith("::NUMBER(", cast, StringComparison.Ordinal);
                }
                else if (name is "QUANTITY")
                {
                    Assert.StartsWith("::NUMBER(", cast, StringComparison.Ordinal);
                }
                else if (name is "TIMESTAMP" or "RECORDED_AT" or "INGESTION_TIME" or "SOURCE_UPDATED_AT")
                {
                    Assert.Equal("::TIMESTAMP_NTZ", cast);
                }
                else if (name is "TEMPERATURE" or "HUMIDITY" or "WIND_SPEED")
                {
                    Assert.Equal("::FLOAT", cast);
                }
                else if (name is "IS_EXTREME_WEATHER")
                {
                    Assert.Equal("::BOOLEAN", cast);
                }
            }

            var on = OnClause().Match(sql);
            Assert.True(on.Success, sql);
            Assert.Equal(key.Select(k => $"t.{k} = s.{k}").Order(), on.Groups[1].Value.Split(" AND ").Order());
            Assert.Contains(
                columns.Contains("SOURCE_UPDATED_AT")
                    ? " WHEN MATCHED AND (t.SOURCE_UPDATED_AT IS NULL OR s.SOURCE_UPDATED_AT >= t.SOURCE_UPDATED_AT) THEN UPDATE SET "
                    : " WHEN MATCHED THEN UPDATE SET ", sql, StringComparison.Ordinal);
            Assert.Contains(" WHEN NOT MATCHED THEN INSERT (", sql, StringComparison.Ordinal);

            Assert.True(post.Bindings.Count > 0, "a chunk without rows");
            Assert.Equal(0, post.Bindings.Count % columns.Length);
            var rowCount = post.Bindings.Count / columns.Length;
            Assert.True(post.Bindings.Count <= maxBindings, $"{post.Bindings.Count} bindings in one statement, over {maxBindings}");
            Assert.True(rowCount <= maxRows, $"{rowCount} rows in one statement, over {maxRows}");
            for (var r = 0; r < rowCount; r++)
            {
                rows.Add(positions.ToDictionary(p => p.Key, p => post.Bindings[(r * columns.Length) + p.Value]));
            }
        }

        return rows;
    }

    private static OrderRow Order(int i)
    {
        // Every third name in Bangla (multi-byte in UTF-8, escaped in JSON), some with quotes and markup characters.
        var name = (i % 3) switch
        {
            0 => $"জামদানি শাড়ি হাতে বোনা ঢাকাই {i}",
            1 => $"Men's \"Cotton\" Panjabi <XL> & more + {i}",
            _ => $"Xiaomi Redmi Note Phone {i}",
        };
        var at = new DateTime(2025, 3, 1, 10, 0, 0, DateTimeKind.Utc).AddTicks(i * 1_234_567L);
        return new OrderRow(
            i % 2 == 0 ? "shopify" : "daraz", $"ORD-{i:D6}", $"P-{1000 + (i % 50)}", $"M-{i % 7}", name, 1 + (i % 4),
            new[] { 4500m, 1850.50m, 21999.99m, 0.0001m, 650m }[i % 5] + i, "BDT", i % 4 == 0 ? "pending" : "delivered",
            i % 10 == 0 ? null : "k1_" + Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i)))[..32], at, at.AddSeconds(5), "k1", "", at);
    }

    private static WeatherRow Weather(int i) => new(
        i % 2 == 0 ? "Dhaka" : "Chittagong", new DateTime(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(i).AddTicks(1), 28.25 + (i / 3.0), "Haze",
        71.5, 3.6 + i, i == 3, new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc));

    private static RSA NewKey()
    {
        var key = RSA.Create(2048);
        _ = key.ExportSubjectPublicKeyInfo();
        return key;
    }

    private SnowflakeOptions Options(Action<SnowflakeOptions>? tune = null)
    {
        var o = new SnowflakeOptions
        {
            AccountUrl = _server.Url.ToString(),
            Account = Account,
            User = User,
            PrivateKey = _key.ExportPkcs8PrivateKeyPem(),
            Database = "MILLIONX",
            Schema = "PUBLIC",
            Warehouse = "LOAD_WH",
            Role = "LOADER",
            MaxAttempts = 5,
            InitialBackoff = TimeSpan.FromMilliseconds(5),
            MaxBackoff = TimeSpan.FromMilliseconds(50),
            PollInterval = TimeSpan.FromMilliseconds(10),
            HttpTimeout = TimeSpan.FromSeconds(5),
        };
        tune?.Invoke(o);
        return o;
    }

    private StoreClients Clients(SnowflakeOptions options, TimeProvider? clock = null)
    {
        var clients = StoreClients.ForSnowflake(options, clock);
        _clients.Add(clients);
        return clients;
    }

    private SnowflakeSqlApiClient Client(SnowflakeOptions options, TimeProvider? clock = null) => Clients(options, clock).SnowflakeClient;

    private IWarehouseWriter Writer(SnowflakeOptions options) => Clients(options).Warehouse;

    [GeneratedRegex(@"attempt \d+ of \d+ failed \([^)]*\)")]
    private static partial Regex AttemptText();

    [GeneratedRegex(@"^CREATE TABLE IF NOT EXISTS (\w+) \(")]
    private static partial Regex CreateTableName();

    [GeneratedRegex(@"^MERGE INTO (\w+) ")]
    private static partial Regex MergeTableName();

    [GeneratedRegex(@"column(\d+)((?:::[A-Z_]+(?:\(\d+,\d+\))?)?) AS ""?(\w+)""?")]
    private static partial Regex SourceColumn();

    [GeneratedRegex(@"\) s ON (.+?) WHEN MATCHED")]
    private static partial Regex OnClause();
}
