using MillionX.Pipeline.Warehouse.Snowflake;

namespace MillionX.Pipeline.Stages.WarehouseSink;

public static class WarehouseSinkRegistration
{
    /// <summary>The configured warehouse writer (also used by the <c>sql</c> command's DuckDB path).</summary>
    public static IHostApplicationBuilder AddWarehouse(this IHostApplicationBuilder builder)
    {
        builder.AddSnowflakeClient();
        builder.Services.AddSingleton<IWarehouseWriter>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<WarehouseOptions>>().Value;
            if (o.Writer != "snowflake")
            {
                return ActivatorUtilities.CreateInstance<DuckDbWarehouseWriter>(sp);
            }

            var s = o.Snowflake;
            return new SnowflakeWarehouseWriter(sp.GetRequiredService<SnowflakeSqlApiClient>(), s,
                new SnowflakeCostMeter(s.CreditsPerHour, s.UsdPerCredit, s.AutoSuspend, sp.GetRequiredService<TimeProvider>()),
                sp.GetRequiredService<ILogger<SnowflakeWarehouseWriter>>(), sp.GetService<Privacy.PrivacyKeys>());
        });

        // Snowflake's own metering (ACCOUNT_USAGE), the real cost behind the writer's estimate; idle unless the writer is snowflake.
        builder.Services.AddValidatedOptions<SnowflakeMeteringOptions>(SnowflakeMeteringOptions.Section);
        builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<SnowflakeMeteringService>(sp, () => sp.GetRequiredService<SnowflakeSqlApiClient>()));
        return builder;
    }

    /// <summary>
    /// The <c>Warehouse</c> options and the Snowflake SQL API client with its resilience handler (built on first use,
    /// when the warehouse is Snowflake), once per host: the warehouse sink and the dead-letter archive share it.
    /// </summary>
    public static IHostApplicationBuilder AddSnowflakeClient(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(SnowflakeSqlApiClient)))
        {
            return builder;
        }

        builder.Services.AddValidatedOptions<WarehouseOptions>(WarehouseOptions.Section);
        builder.Services.AddSnowflakeSqlApi();
        return builder;
    }
}
