using System.Buffers.Text;
using System.Security.Cryptography;
using System.Numerics;
using System.Text.Json.Nodes;
using DuckDB.NET.Data;
using Microsoft.AspNetCore.Http;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>What the fake answers one POST with.</summary>
public enum FakeReplyKind
{
    /// <summary>200 with a ResultSet.</summary>
    Ok,

    /// <summary>202 QueryStatus; the statementStatusUrl answers 202 <see cref="FakeReply.Polls"/> times, then 200 (or 422).</summary>
    Accepted,

    /// <summary>429, with a Retry-After header when <see cref="FakeReply.RetryAfterSeconds"/> is set.</summary>
    Throttled,

    /// <summary>A 5xx (<see cref="FakeReply.Status"/>).</summary>
    ServerError,

    /// <summary>Receives (and starts running) the statement, never answers.</summary>
    Hang,

    /// <summary>422 QueryFailureStatus.</summary>
    SqlError,

    /// <summary>401, as when the user's public key was rotated away.</summary>
    Unauthorized,
}

public sealed record FakeReply(FakeReplyKind Kind, int Status = 200, int? RetryAfterSeconds = null, int Polls = 0, bool FailAfterPolls = false)
{
    public static FakeReply Ok() => new(FakeReplyKind.Ok);

    public static FakeReply Accepted(int polls, bool failAfterPolls = false) => new(FakeReplyKind.Accepted, 202, Polls: polls, FailAfterPolls: failAfterPolls);

    public static FakeReply Throttled(int? retryAfterSeconds = null) => new(FakeReplyKind.Throttled, 429, retryAfterSeconds);

    public static FakeReply ServerError(int status = 503) => new(FakeReplyKind.ServerError, status);

    public static FakeReply Hang() => new(FakeReplyKind.Hang, 0);

    public static FakeReply SqlError() => new(FakeReplyKind.SqlError, 422);

    public static FakeReply Unauthorized() => new(FakeReplyKind.Unauthorized, 401);
}

/// <summary>The claims of a key-pair JWT that passed verification.</summary>
public sealed record JwtClaims(string Iss, string Sub, long Iat, long Exp);

/// <summary>One request the fake received, as it saw it on the wire.</summary>
public sealed record RecordedRequest(
    string Method, string Path, Guid? RequestId, string? RetryParameter, string? Statement, IReadOnlyList<string?> Bindings,
    long BodyBytes, string? Token, JwtClaims? Claims, TimeSpan At, int Answer)
{
    public bool IsRetry => RetryParameter == "true";
}

/// <summary>
/// A Snowflake SQL API v2 endpoint on Kestrel (http://127.0.0.1:0) that speaks the documented protocol and checks what it
/// receives: a key-pair JWT (RS256 signature against the test's public key, iss/sub, lifetime), the KEYPAIR_JWT header,
/// a GUID requestId with <c>retry=true</c> only on resubmissions, one statement per request, and positional TEXT
/// bindings "1".."n" matching the <c>?</c> placeholders. Anything wrong is answered like Snowflake would (401/400/422)
/// and listed in <see cref="Violations"/>. Replies to POSTs are scripted with <see cref="Script"/>; unscripted ones get 200.
/// </summary>
public sealed class FakeSnowflake : FakeApiServer<RecordedRequest>
{
    public const string StatementsPath = "/api/v2/statements";

    private readonly RSA _publicKey;
    private readonly string _qualifiedUser;
    private readonly string _expectedIssuer;
    private readonly TimeProvider _clock;
    private readonly ReplyScript<FakeReply> _script = new();
    private FakeReply? _outage;
    private readonly Dictionary<Guid, int> _attempts = [];
    private readonly Dictionary<Guid, int> _executions = [];
    private readonly Dictionary<string, (int Remaining, bool Fail, int Bindings)> _pending = [];

    private FakeSnowflake(byte[] subjectPublicKeyInfo, string qualifiedUser, TimeProvider clock)
    {
        _publicKey = RSA.Create();
        _publicKey.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        _qualifiedUser = qualifiedUser;
        _expectedIssuer = qualifiedUser + ".SHA256:" + Convert.ToBase64String(SHA256.HashData(subjectPublicKeyInfo));
        _clock = clock;
    }

    private readonly Lock _tablesGate = new();

    /// <summary>
    /// A stand-in for the account's tables: when set, a SELECT the fake answers with 200 runs against this DuckDB
    /// connection and its rows come back as Snowflake's jsonv2 ResultSet encodes them (every cell a string; numbers in
    /// decimal; TIMESTAMP_NTZ as seconds since the epoch with nine decimals; NULL as null). A statement naming a missing
    /// table fails as Snowflake's does (422, code 002003, SQL state 42S02). Other statements are answered as before.
    /// </summary>
    public DuckDBConnection? Tables { get; set; }

    /// <summary>Base address of the fake, e.g. http://127.0.0.1:41234.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Starts a fake that accepts tokens for <paramref name="qualifiedUser"/> (ACCOUNT.USER, upper-case) signed by the key.</summary>
    public static async Task<FakeSnowflake> StartAsync(byte[] subjectPublicKeyInfo, string qualifiedUser, TimeProvider? clock = null)
    {
        var fake = new FakeSnowflake(subjectPublicKeyInfo, qualifiedUser, clock ?? TimeProvider.System);
        await fake.ListenAsync(fake.HandleAsync);
        fake.Url = new Uri(fake.Address);
        return fake;
    }

    /// <summary>
    /// While set, every statement POST gets this reply (a 500, a 429, a hang) and the script waits: an outage that lasts
    /// as long as the test holds it, rather than a number of requests.
    /// </summary>
    public FakeReply? Outage
    {
        get
        {
            lock (Gate)
            {
                return _outage;
            }
        }

        set
        {
            lock (Gate)
            {
                _outage = value;
            }
        }
    }

    /// <summary>
    /// Hours of metered credits the ACCOUNT_USAGE views hold: a statement reading SNOWFLAKE.ACCOUNT_USAGE.WAREHOUSE_METERING_HISTORY
    /// or METERING_HISTORY is answered from these, filtered as Snowflake would (START_TIME in [binding 1, binding 2) as Unix
    /// seconds; WAREHOUSE_NAME among the further bindings; the SERVICE_TYPE literal), as rows (name, epoch seconds, credits).
    /// </summary>
    public List<(string View, string Name, DateTimeOffset Start, double Credits)> MeteredHours { get; } = [];

    private JsonObject? Metering(string statement, IReadOnlyList<string?> bindings, string handle, string statusUrl)
    {
        var view = System.Text.RegularExpressions.Regex.Match(statement, @"FROM\s+SNOWFLAKE\.ACCOUNT_USAGE\.(\w+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (!view.Success)
        {
            return null;
        }

        var from = DateTimeOffset.FromUnixTimeSeconds(long.Parse(bindings[0]!, CultureInfo.InvariantCulture));
        var to = DateTimeOffset.FromUnixTimeSeconds(long.Parse(bindings[1]!, CultureInfo.InvariantCulture));
        var serviceType = System.Text.RegularExpressions.Regex.Match(statement, @"SERVICE_TYPE\s*=\s*'(\w+)'");
        var name = view.Groups[1].Value.ToUpperInvariant();
        List<(string View, string Name, DateTimeOffset Start, double Credits)> hours;
        lock (Gate)
        {
            hours = MeteredHours.Where(h => h.Start >= from && h.Start < to).ToList();
        }

        hours = name switch
        {
            "WAREHOUSE_METERING_HISTORY" => hours.Where(h => h.View == name && bindings.Skip(2).Contains(h.Name)).ToList(),
            "METERING_HISTORY" => hours.Where(h => serviceType.Success && h.View == serviceType.Groups[1].Value).ToList(),
            _ => [],
        };
        var data = new JsonArray();
        foreach (var h in hours.OrderBy(h => h.Start))
        {
            data.Add(new JsonArray(h.Name, h.Start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), h.Credits.ToString("0.000000000", CultureInfo.InvariantCulture)));
        }

        return Executed(new JsonObject { ["numRows"] = hours.Count, ["format"] = "jsonv2" }, data, handle, statusUrl);
    }

    /// <summary>Replies for the next POSTs, in order.</summary>
    public void Script(params FakeReply[] replies)
    {
        lock (Gate)
        {
            _script.Add(replies);
        }
    }

    public IReadOnlyList<RecordedRequest> Posts => Requests.Where(r => r.Method == "POST").ToList();

    /// <summary>How many times the statement of a requestId actually ran (a correct retry never runs it twice).</summary>
    public int Executions(Guid requestId)
    {
        lock (Gate)
        {
            return _executions.GetValueOrDefault(requestId);
        }
    }

    /// <summary>Verifies a Snowflake key-pair JWT; throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public static JwtClaims VerifyJwt(string token, RSA publicKey, string expectedIssuer, string expectedSubject, DateTimeOffset now)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            throw new InvalidDataException($"JWT has {parts.Length} parts, not 3");
        }

        using (var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0])))
        {
            if (header.RootElement.GetProperty("alg").GetString() != "RS256")
            {
                throw new InvalidDataException("JWT alg is not RS256");
            }
        }

        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        if (!publicKey.VerifyData(signed, Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            throw new InvalidDataException("JWT RS256 signature does not verify with the user's public key");
        }

        using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
        var p = payload.RootElement;
        var claims = new JwtClaims(p.GetProperty("iss").GetString()!, p.GetProperty("sub").GetString()!, p.GetProperty("iat").GetInt64(), p.GetProperty("exp").GetInt64());
        if (claims.Iss != expectedIssuer)
        {
            throw new InvalidDataException($"JWT iss '{claims.Iss}' is not '{expectedIssuer}'");
        }

        if (claims.Sub != expectedSubject)
        {
            throw new InvalidDataException($"JWT sub '{claims.Sub}' is not '{expectedSubject}'");
        }

        if (claims.Exp <= claims.Iat || claims.Exp - claims.Iat > 3600)
        {
            throw new InvalidDataException($"JWT lifetime exp - iat = {claims.Exp - claims.Iat} s is not within (0, 3600]");
        }

        var nowSeconds = now.ToUnixTimeSeconds();
        if (claims.Exp <= nowSeconds)
        {
            throw new InvalidDataException($"JWT expired {nowSeconds - claims.Exp} s ago");
        }

        if (claims.Iat > nowSeconds + 60)
        {
            throw new InvalidDataException("JWT iat is in the future");
        }

        return claims;
    }

    /// <summary>Counts <c>?</c> placeholders outside string literals and tells whether the text holds more than one statement.</summary>
    public static (int Placeholders, bool MultipleStatements) Scan(string sql)
    {
        var placeholders = 0;
        var inLiteral = false;
        var multiple = false;
        var trimmed = sql.TrimEnd().TrimEnd(';');
        foreach (var c in trimmed)
        {
            if (c == '\'')
            {
                inLiteral = !inLiteral;
            }
            else if (!inLiteral && c == '?')
            {
                placeholders++;
            }
            else if (!inLiteral && c == ';')
            {
                multiple = true;
            }
        }

        return (placeholders, multiple);
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var at = SinceStart;
        var request = ctx.Request;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        var body = buffer.ToArray();
        var query = request.Query;
        Guid? requestId = Guid.TryParse(query["requestId"].ToString(), out var id) ? id : null;
        var retryParameter = query.ContainsKey("retry") ? query["retry"].ToString() : null;
        var problems = new List<string>();
        string? statement = null;
        var bindings = new List<string?>();
        string? token = null;
        JwtClaims? claims = null;
        RecordedRequest Seen(int answer) => new(
            request.Method, request.Path.Value ?? "", requestId, retryParameter, statement, bindings, body.Length, token, claims, at, answer);

        // Authentication, as Snowflake checks it before anything else.
        if (request.Headers["X-Snowflake-Authorization-Token-Type"].ToString() != "KEYPAIR_JWT")
        {
            problems.Add($"X-Snowflake-Authorization-Token-Type is '{request.Headers["X-Snowflake-Authorization-Token-Type"]}', not KEYPAIR_JWT");
        }

        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            problems.Add("no Bearer token in Authorization");
        }
        else
        {
            token = authorization["Bearer ".Length..];
            try
            {
                claims = VerifyJwt(token, _publicKey, _expectedIssuer, _qualifiedUser, _clock.GetUtcNow());
            }
            catch (Exception ex) when (ex is InvalidDataException or JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
            {
                problems.Add(ex.Message);
            }
        }

        if (problems.Count > 0)
        {
            await AnswerAsync(ctx, Seen(401), 401, Error("390144", "JWT token is invalid. " + string.Join("; ", problems)), problems);
            return;
        }

        if (string.IsNullOrWhiteSpace(request.Headers.UserAgent))
        {
            problems.Add("User-Agent header missing");
        }

        if (!request.Headers.Accept.ToString().Contains("application/json", StringComparison.Ordinal))
        {
            problems.Add($"Accept is '{request.Headers.Accept}', not application/json");
        }

        if (request.Method == "GET" && request.Path.StartsWithSegments(StatementsPath, out var rest) && rest.Value!.Trim('/').Length > 0)
        {
            await PollAsync(ctx, rest.Value!.Trim('/'), problems, Seen(0));
            return;
        }

        if (request.Method != "POST" || request.Path != StatementsPath)
        {
            problems.Add($"unexpected {request.Method} {request.Path}");
            await AnswerAsync(ctx, Seen(404), 404, Error("000404", "Not found"), problems);
            return;
        }

        if (requestId is null)
        {
            problems.Add($"POST without a GUID requestId (requestId='{query["requestId"]}')");
        }

        if (retryParameter is not (null or "true"))
        {
            problems.Add($"retry='{retryParameter}' (only retry=true has a meaning)");
        }

        if (!(request.ContentType ?? "").StartsWith("application/json", StringComparison.Ordinal))
        {
            problems.Add($"Content-Type is '{request.ContentType}', not application/json");
        }

        try
        {
            (statement, bindings) = ParseBody(body, problems);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            problems.Add("body is not a statement request: " + ex.Message);
        }

        if (problems.Count > 0)
        {
            await AnswerAsync(ctx, Seen(400), 400, Error("391903", string.Join("; ", problems)), problems);
            return;
        }

        // As Snowflake does for a NUMBER(18,4) column: a bound value of 10^14 or more cannot be stored, and the whole
        // statement fails with SQL state 22003 (a data exception), whatever the other rows hold.
        if (bindings.FirstOrDefault(b => decimal.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && Math.Abs(d) >= 100_000_000_000_000m) is { } outOfRange
            && statement!.StartsWith("MERGE INTO", StringComparison.Ordinal))
        {
            await AnswerAsync(ctx, Seen(422), 422, new JsonObject
            {
                ["code"] = "100039", ["sqlState"] = "22003", ["message"] = $"Numeric value '{outOfRange}' is out of range",
                ["statementHandle"] = Guid.NewGuid().ToString(), ["statementStatusUrl"] = "",
            }, []);
            return;
        }

        FakeReply reply;
        lock (Gate)
        {
            reply = _outage ?? (_script.TryTake(out var next) ? next : FakeReply.Ok());
            var rid = requestId!.Value;
            var attempts = _attempts.GetValueOrDefault(rid);
            if (attempts == 0 && retryParameter == "true")
            {
                Violation($"retry=true on the first submission of request {rid}");
            }

            if (attempts > 0 && retryParameter != "true")
            {
                Violation($"request {rid} resubmitted without retry=true: Snowflake would run it again");
            }

            _attempts[rid] = attempts + 1;
            if (reply.Kind is FakeReplyKind.Ok or FakeReplyKind.Accepted or FakeReplyKind.Hang or FakeReplyKind.SqlError)
            {
                var ran = _executions.GetValueOrDefault(rid);
                if (ran == 0 || retryParameter != "true")
                {
                    _executions[rid] = ran + 1;
                }
            }
        }

        var handle = Guid.NewGuid().ToString();
        var statusUrl = $"{StatementsPath}/{handle}?requestId={requestId}";
        switch (reply.Kind)
        {
            case FakeReplyKind.Ok when Tables is not null && statement!.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase):
                var (status, result) = Query(Tables, handle, statusUrl, statement);
                await AnswerAsync(ctx, Seen(status), status, result, []);
                break;
            case FakeReplyKind.Ok:
                await AnswerAsync(ctx, Seen(200), 200, Metering(statement!, bindings, handle, statusUrl) ?? ResultSet(handle, statusUrl, bindings.Count), []);
                break;
            case FakeReplyKind.Accepted:
                lock (Gate)
                {
                    _pending[handle] = (reply.Polls, reply.FailAfterPolls, bindings.Count);
                }

                await AnswerAsync(ctx, Seen(202), 202, QueryStatus(handle, statusUrl), []);
                break;
            case FakeReplyKind.Throttled:
                if (reply.RetryAfterSeconds is { } seconds)
                {
                    ctx.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                }

                await AnswerAsync(ctx, Seen(429), 429, Error("000429", "Too many requests. Please retry after some time."), []);
                break;
            case FakeReplyKind.ServerError:
                await AnswerAsync(ctx, Seen(reply.Status), reply.Status, Error("000500", "Service unavailable"), []);
                break;
            case FakeReplyKind.SqlError:
                await AnswerAsync(ctx, Seen(422), 422, Failure(handle, statusUrl), []);
                break;
            case FakeReplyKind.Unauthorized:
                await AnswerAsync(ctx, Seen(401), 401, Error("390144", "JWT token is invalid."), []);
                break;
            case FakeReplyKind.Hang:
                await HangAsync(ctx, Seen(0));
                break;
        }
    }

    private async Task PollAsync(HttpContext ctx, string handle, List<string> problems, RecordedRequest seen)
    {
        (int Remaining, bool Fail, int Bindings) state;
        bool known;
        lock (Gate)
        {
            known = _pending.TryGetValue(handle, out state);
            if (known && state.Remaining > 0)
            {
                _pending[handle] = state with { Remaining = state.Remaining - 1 };
            }
        }

        var statusUrl = $"{StatementsPath}/{handle}";
        if (!known)
        {
            problems.Add($"status of unknown statement {handle}");
            await AnswerAsync(ctx, seen with { Answer = 404 }, 404, Error("000404", "Statement not found"), problems);
        }
        else if (problems.Count > 0)
        {
            await AnswerAsync(ctx, seen with { Answer = 400 }, 400, Error("391903", string.Join("; ", problems)), problems);
        }
        else if (state.Remaining > 0)
        {
            await AnswerAsync(ctx, seen with { Answer = 202 }, 202, QueryStatus(handle, statusUrl), []);
        }
        else if (state.Fail)
        {
            await AnswerAsync(ctx, seen with { Answer = 422 }, 422, Failure(handle, statusUrl), []);
        }
        else
        {
            await AnswerAsync(ctx, seen with { Answer = 200 }, 200, ResultSet(handle, statusUrl, state.Bindings), []);
        }
    }

    private static (string Statement, List<string?> Bindings) ParseBody(byte[] body, List<string> problems)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var statement = root.GetProperty("statement").GetString() ?? "";
        if (statement.Trim().Length == 0)
        {
            problems.Add("empty statement");
        }

        if (root.TryGetProperty("timeout", out var timeout) && (timeout.ValueKind != JsonValueKind.Number || timeout.GetInt32() < 0))
        {
            problems.Add("timeout is not a non-negative number");
        }

        var (placeholders, multiple) = Scan(statement);
        if (multiple)
        {
            problems.Add("more than one statement in the request without MULTI_STATEMENT_COUNT");
        }

        var bound = new SortedDictionary<int, string?>();
        var seen = 0;
        if (root.TryGetProperty("bindings", out var bindings) && bindings.ValueKind != JsonValueKind.Null)
        {
            foreach (var b in bindings.EnumerateObject())
            {
                seen++;
                if (!int.TryParse(b.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index < 1 || index.ToString(CultureInfo.InvariantCulture) != b.Name)
                {
                    problems.Add($"binding key '{b.Name}' is not a position 1..n");
                    continue;
                }

                var type = b.Value.GetProperty("type").GetString();
                if (type != "TEXT")
                {
                    problems.Add($"binding {index} has type {type}, not TEXT");
                }

                var value = b.Value.GetProperty("value");
                if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                {
                    problems.Add($"binding {index} value is a {value.ValueKind}, not a string");
                }

                if (!bound.TryAdd(index, value.ValueKind == JsonValueKind.String ? value.GetString() : null))
                {
                    problems.Add($"binding {index} given twice");
                }
            }
        }

        if (seen != placeholders)
        {
            problems.Add($"{seen} bindings for {placeholders} placeholders");
        }

        if (bound.Count > 0 && (bound.Keys.First() != 1 || bound.Keys.Last() != bound.Count))
        {
            problems.Add($"bindings are not exactly \"1\"..\"{bound.Count}\"");
        }

        return (statement, bound.Values.ToList());
    }

    private static JsonObject Error(string code, string message) => new() { ["code"] = code, ["message"] = message };

    private static JsonObject QueryStatus(string handle, string statusUrl) => new()
    {
        ["code"] = "333334",
        ["message"] = "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
        ["statementHandle"] = handle,
        ["statementStatusUrl"] = statusUrl,
    };

    private static JsonObject Failure(string handle, string statusUrl) => new()
    {
        ["code"] = "002003",
        ["sqlState"] = "42S02",
        ["message"] = "SQL compilation error:\nObject 'ORDERS' does not exist or not authorized.",
        ["statementHandle"] = handle,
        ["statementStatusUrl"] = statusUrl,
    };

    private (int Status, JsonObject Body) Query(DuckDBConnection tables, string handle, string statusUrl, string statement)
    {
        lock (_tablesGate)
        {
            try
            {
                using var command = tables.CreateCommand();
                command.CommandText = statement;
                using var reader = command.ExecuteReader();
                var rowType = new JsonArray();
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    var type = reader.GetFieldType(i);
                    rowType.Add(new JsonObject
                    {
                        ["name"] = reader.GetName(i).ToUpperInvariant(),
                        ["type"] = type == typeof(DateTime) ? "timestamp_ntz" : type == typeof(string) ? "text" : type == typeof(bool) ? "boolean" : type == typeof(double) ? "real" : "fixed",
                        ["nullable"] = true,
                    });
                }

                var data = new JsonArray();
                while (reader.Read())
                {
                    var row = new JsonArray();
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        row.Add(reader.IsDBNull(i) ? null : JsonValue.Create(Cell(reader.GetValue(i))));
                    }

                    data.Add(row);
                }

                return (200, Executed(new JsonObject { ["numRows"] = data.Count, ["format"] = "jsonv2", ["rowType"] = rowType }, data, handle, statusUrl));
            }
            catch (DuckDBException ex) when (ex.Message.Contains("does not exist", StringComparison.Ordinal))
            {
                return (422, Failure(handle, statusUrl));
            }
            catch (DuckDBException ex)
            {
                return (422, new JsonObject
                {
                    ["code"] = "001003", ["sqlState"] = "42000", ["message"] = "SQL compilation error:\n" + ex.Message,
                    ["statementHandle"] = handle, ["statementStatusUrl"] = statusUrl,
                });
            }
        }
    }

    /// <summary>A cell as jsonv2 writes it.</summary>
    private static string Cell(object value) => value switch
    {
        DateTime t => ((decimal)(t - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond).ToString("0.000000000", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        BigInteger b => b.ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static JsonObject ResultSet(string handle, string statusUrl, int bindings)
    {
        var body = Executed(
            new JsonObject
            {
                ["numRows"] = 1,
                ["format"] = "jsonv2",
                ["rowType"] = new JsonArray(new JsonObject { ["name"] = "bindings received", ["type"] = "fixed", ["nullable"] = false }),
            },
            new JsonArray(new JsonArray(bindings.ToString(CultureInfo.InvariantCulture))),
            handle,
            statusUrl);
        body["createdOn"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return body;
    }

    /// <summary>The SQL API's answer to a statement that ran: its result set (partition 0) and the 090001 success code.</summary>
    private static JsonObject Executed(JsonObject metaData, JsonArray data, string handle, string statusUrl) => new()
    {
        ["resultSetMetaData"] = metaData,
        ["data"] = data,
        ["code"] = "090001",
        ["statementStatusUrl"] = statusUrl,
        ["sqlState"] = "00000",
        ["statementHandle"] = handle,
        ["message"] = "Statement executed successfully.",
    };

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _publicKey.Dispose();
    }
}
