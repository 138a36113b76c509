using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

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
/// positional TEXT bindings. Every statement gets a requestId; retries of 429, 5xx and timeouts reuse it with
/// <c>retry=true</c>, so Snowflake runs it at most once. 202 answers are polled at <c>statementStatusUrl</c>.
/// </summary>
public sealed class SnowflakeSqlApiClient(HttpClient http, SnowflakeOptions options, SnowflakeJwt jwt, TimeProvider clock, ILogger<SnowflakeSqlApiClient> logger)
{
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

        for (var attempt = 1; ; attempt++)
        {
            string? failure;
            TimeSpan? retryAfter = null;
            try
            {
                var uri = new Uri(new Uri(options.AccountUrl), $"/api/v2/statements?requestId={requestId}{(attempt > 1 ? "&retry=true" : "")}");
                using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(body, SnowflakeJson.Default.StatementRequest) };
                Authorize(request);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(options.HttpTimeout);
                using var response = await http.SendAsync(request, timeout.Token);
                switch (response.StatusCode)
                {
                    case HttpStatusCode.OK:
                        return await Read(response, ct);
                    case HttpStatusCode.Accepted:
                        return await PollAsync(await Read(response, ct), ct);
                    // 408 is not here: Snowflake answers it when the statement ran past its timeout and was cancelled.
                    case HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError:
                        failure = $"HTTP {(int)response.StatusCode}";
                        retryAfter = response.Headers.RetryAfter?.Delta;
                        break;
                    default:
                        var error = await TryRead(response, ct);
                        throw new SnowflakeStatementException(
                            $"Snowflake rejected the statement: HTTP {(int)response.StatusCode} {error?.Code} {error?.Message}".TrimEnd(), response.StatusCode, error?.Code, error?.SqlState);
                }
            }
            catch (Exception ex) when (IsNetworkFailure(ex))
            {
                failure = ex.Message;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                failure = $"no answer within {options.HttpTimeout.TotalSeconds:0} s";
            }

            if (attempt >= options.MaxAttempts)
            {
                throw new TransientWarehouseException($"Snowflake statement failed after {attempt} attempts (request {requestId}): {failure}");
            }

            var delay = retryAfter ?? Backoff(attempt);
            logger.LogWarning("Snowflake statement attempt {Attempt} failed ({Failure}); retrying request {RequestId} in {Delay:0.0} s", attempt, failure, requestId, delay.TotalSeconds);
            await Task.Delay(delay, clock, ct);
        }
    }

    /// <summary>
    /// A failure of the connection, retried like an HTTP 5xx. Besides HttpRequestException, a peer that resets right after
    /// the TCP handshake can surface from HttpClient as a bare SocketException (ENOTCONN from the connect path), and a cut
    /// answer as an IOException.
    /// </summary>
    private static bool IsNetworkFailure(Exception ex) => ex is HttpRequestException or System.Net.Sockets.SocketException or IOException;

    /// <summary>Exponential backoff with jitter, capped.</summary>
    internal TimeSpan Backoff(int attempt) => Hosting.Backoff.ForAttempt(attempt, options.InitialBackoff, options.MaxBackoff);

    private async Task<StatementResponse> PollAsync(StatementResponse accepted, CancellationToken ct)
    {
        var url = accepted.StatementStatusUrl ?? throw new SnowflakeStatementException("202 without statementStatusUrl", HttpStatusCode.Accepted, accepted.Code);
        var failures = 0;
        while (true)
        {
            await Task.Delay(options.PollInterval, clock, ct);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(options.AccountUrl), url));
            Authorize(request);
            HttpResponseMessage response;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.HttpTimeout);
            try
            {
                response = await http.SendAsync(request, timeout.Token);
            }
            catch (Exception ex) when ((IsNetworkFailure(ex) || (ex is OperationCanceledException && !ct.IsCancellationRequested)) && ++failures < options.MaxAttempts)
            {
                continue;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TransientWarehouseException($"Snowflake status polling got no answer within {options.HttpTimeout.TotalSeconds:0} s");
            }
            catch (Exception ex) when (IsNetworkFailure(ex))
            {
                throw new TransientWarehouseException($"Snowflake status polling failed {failures} times: {ex.Message}");
            }

            using (response)
            {
                switch (response.StatusCode)
                {
                    case HttpStatusCode.OK:
                        return await Read(response, ct);
                    case HttpStatusCode.Accepted:
                        continue;
                    case HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError when ++failures < options.MaxAttempts:
                        await Task.Delay(Backoff(failures), clock, ct);
                        continue;
                    default:
                        var error = await TryRead(response, ct);
                        if ((int)response.StatusCode is 429 or >= 500)
                        {
                            throw new TransientWarehouseException($"Snowflake status polling failed: HTTP {(int)response.StatusCode}");
                        }

                        throw new SnowflakeStatementException(
                            $"Snowflake statement {accepted.StatementHandle} failed: HTTP {(int)response.StatusCode} {error?.Code} {error?.Message}".TrimEnd(), response.StatusCode, error?.Code);
                }
            }
        }
    }

    private void Authorize(HttpRequestMessage request)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", jwt.Token());
        request.Headers.Add("X-Snowflake-Authorization-Token-Type", "KEYPAIR_JWT");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("MillionX.Pipeline", "1.0"));
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
