using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Polly.Timeout;

namespace MillionX.Pipeline.Warehouse.Snowflake;

/// <summary>A statement Snowflake rejected (SQL error, authentication): retrying will not help.</summary>
public sealed class SnowflakeStatementException(string message, HttpStatusCode status, string? code, string? sqlState = null) : Exception(message)
{
    public HttpStatusCode Status => status;

    public string? Code => code;

    /// <summary>The SQL state; class <c>22</c> is a data exception (a value a column cannot hold).</summary>
    public string? SqlState => sqlState;

    public bool IsDataError => sqlState?.StartsWith("22", StringComparison.Ordinal) == true;
}

/// <summary>
/// Snowflake SQL API v2 on HttpClient (no Snowflake .NET driver is available here). One statement per request with
/// positional TEXT bindings. Every statement gets a requestId; the HttpClient's resilience handler
/// (<see cref="SnowflakeRegistration.AddSnowflakeSqlApi"/>) retries 429, 5xx, timeouts and failed connections and sends
/// the same requestId again with <c>retry=true</c>, so Snowflake runs it at most once. 202 answers are polled at
/// <c>statementStatusUrl</c> (polling is not a retry: each poll is a request of its own).
/// </summary>
public sealed class SnowflakeSqlApiClient(HttpClient http, SnowflakeOptions options, SnowflakeJwt jwt, TimeProvider clock, ILogger<SnowflakeSqlApiClient> logger)
{
    internal const string StatementsPath = "/api/v2/statements";

    public async Task<StatementResponse> ExecuteAsync(string statement, IReadOnlyList<string?> bindings, CancellationToken ct)
    {
        var requestId = Guid.NewGuid();
        var body = new StatementRequest
        {
            Statement = statement,
            Timeout = options.StatementTimeoutSeconds,
            Database = NullIfEmpty(options.Database),
            Schema = NullIfEmpty(options.Schema),
            Warehouse = NullIfEmpty(options.Warehouse),
            Role = NullIfEmpty(options.Role),
            Bindings = bindings.Count == 0 ? null : bindings.Select((v, i) => (v, i)).ToDictionary(
                x => (x.i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), x => new StatementBinding("TEXT", x.v)),
        };

        var uri = new Uri(new Uri(options.AccountUrl), $"{StatementsPath}?requestId={requestId}");
        using var request = Request(HttpMethod.Post, uri, JsonContent.Create(body, SnowflakeJson.Default.StatementRequest));
        using var response = await SendAsync(request, $"Snowflake statement (request {requestId})", ct);
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                return await Read(response, ct);
            case HttpStatusCode.Accepted:
                var accepted = await Read(response, ct);
                logger.LogDebug("Snowflake statement {Handle} (request {RequestId}) is running; polling its status", accepted.StatementHandle, requestId);
                return await PollAsync(accepted, ct);
            case var status when IsTransient(status):
                throw new TransientWarehouseException($"Snowflake statement (request {requestId}) failed after {options.MaxAttempts} attempts: HTTP {(int)status}");
            default:
                var error = await TryRead(response, ct);
                throw new SnowflakeStatementException(
                    $"Snowflake rejected the statement: HTTP {(int)response.StatusCode} {error?.Code} {error?.Message}".TrimEnd(), response.StatusCode, error?.Code, error?.SqlState);
        }
    }

    /// <summary>
    /// The answers the resilience handler retries: 429 and 5xx. 408 is not one: Snowflake answers it when the statement
    /// ran past its timeout and was cancelled.
    /// </summary>
    internal static bool IsTransient(HttpStatusCode status) => status is HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError;

    /// <summary>
    /// Before a statement is sent again: <c>retry=true</c> next to its requestId, Snowflake's documented way to make the
    /// resubmission run the statement only if the first attempt did not reach it. Status polls carry no requestId and are left alone.
    /// </summary>
    private static void MarkResend(HttpRequestMessage request)
    {
        if (request.RequestUri is { } uri && uri.AbsolutePath == StatementsPath && uri.Query.Contains("requestId=", StringComparison.Ordinal)
            && !uri.Query.Contains("retry=true", StringComparison.Ordinal))
        {
            request.RequestUri = new Uri(uri + "&retry=true");
        }
    }

    /// <summary>One request through the resilience handler; a failure left after its retries is a <see cref="TransientWarehouseException"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string what, CancellationToken ct)
    {
        try
        {
            return await http.SendAsync(request, ct);
        }
        catch (Exception ex) when (HttpClientResilience.IsConnectionFailure(ex))
        {
            throw new TransientWarehouseException($"{what} failed after {options.MaxAttempts} attempts: {ex.Message}", ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new TransientWarehouseException($"{what} failed after {options.MaxAttempts} attempts: no answer within {options.HttpTimeout.TotalSeconds:0.###} s", ex);
        }
    }

    private async Task<StatementResponse> PollAsync(StatementResponse accepted, CancellationToken ct)
    {
        var url = accepted.StatementStatusUrl ?? throw new SnowflakeStatementException("202 without statementStatusUrl", HttpStatusCode.Accepted, accepted.Code);
        while (true)
        {
            await Task.Delay(options.PollInterval, clock, ct);
            using var request = Request(HttpMethod.Get, new Uri(new Uri(options.AccountUrl), url));
            using var response = await SendAsync(request, $"Snowflake status polling of {accepted.StatementHandle}", ct);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    return await Read(response, ct);
                case HttpStatusCode.Accepted:
                    continue;
                case var status when IsTransient(status):
                    throw new TransientWarehouseException($"Snowflake status polling of {accepted.StatementHandle} failed after {options.MaxAttempts} attempts: HTTP {(int)status}");
                default:
                    var error = await TryRead(response, ct);
                    throw new SnowflakeStatementException(
                        $"Snowflake statement {accepted.StatementHandle} failed: HTTP {(int)response.StatusCode} {error?.Code} {error?.Message}".TrimEnd(),
                        response.StatusCode, error?.Code, error?.SqlState);
            }
        }
    }

    /// <summary>
    /// A request with the key-pair JWT. Before the resilience handler resends it, it gets a token valid then (a long
    /// series of retries can outlive the first one) and, for a statement, <c>retry=true</c>.
    /// </summary>
    private HttpRequestMessage Request(HttpMethod method, Uri uri, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, uri) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", jwt.Token());
        request.Headers.Add("X-Snowflake-Authorization-Token-Type", "KEYPAIR_JWT");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("MillionX.Pipeline", "1.0"));
        return request.OnResend(r =>
        {
            r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", jwt.Token());
            MarkResend(r);
        });
    }

    private static async Task<StatementResponse> Read(HttpResponseMessage response, CancellationToken ct) =>
        await response.Content.ReadFromJsonAsync(SnowflakeJson.Default.StatementResponse, ct)
        ?? throw new SnowflakeStatementException("Empty answer from Snowflake", response.StatusCode, null);

    private static async Task<StatementResponse?> TryRead(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(SnowflakeJson.Default.StatementResponse, ct);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? NullIfEmpty(string s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
