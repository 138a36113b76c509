namespace MillionX.Pipeline.Warehouse.Snowflake;

public static class SnowflakeRegistration
{
    public const string HttpClientName = "snowflake";

    /// <summary>
    /// The SQL API client on the named HttpClient <c>snowflake</c>, whose resilience handler retries 429, 5xx, timeouts
    /// and failed connections up to <see cref="SnowflakeOptions.MaxAttempts"/> (each attempt bounded by
    /// <see cref="SnowflakeOptions.HttpTimeout"/>, backoff from InitialBackoff to MaxBackoff or the server's Retry-After)
    /// and resends a request with a fresh token, a statement with its requestId and <c>retry=true</c>. Options come
    /// from <c>Warehouse:Snowflake</c>.
    /// </summary>
    public static IServiceCollection AddSnowflakeSqlApi(this IServiceCollection services)
    {
        services.AddRetryingHttpClient<SnowflakeSqlApiClient>(
            HttpClientName,
            sp =>
            {
                var o = Options(sp);
                return new HttpRetryPolicy(o.MaxAttempts, o.InitialBackoff, o.MaxBackoff, o.HttpTimeout);
            },
            SnowflakeSqlApiClient.IsTransient);
        services.AddSingleton(sp => SnowflakeJwt.From(Options(sp), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new SnowflakeSqlApiClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName), Options(sp), sp.GetRequiredService<SnowflakeJwt>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SnowflakeSqlApiClient>>()));
        return services;
    }

    private static SnowflakeOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<WarehouseOptions>>().Value.Snowflake;
}
