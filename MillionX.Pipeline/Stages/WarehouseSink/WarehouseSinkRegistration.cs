using Microsoft.Extensions.Options;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Warehouse;
using MillionX.Pipeline.Warehouse.Snowflake;

namespace MillionX.Pipeline.Stages.WarehouseSink;

public static class WarehouseSinkRegistration
{
    /// <summary>The configured warehouse writer (also used by the <c>sql</c> command's DuckDB path).</summary>
    public static IHostApplicationBuilder AddWarehouse(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<WarehouseOptions>(WarehouseOptions.Section);
        builder.Services.AddHttpClient("snowflake");
        builder.Services.AddSingleton<IWarehouseWriter>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<WarehouseOptions>>().Value;
            if (o.Writer != "snowflake")
            {
                return ActivatorUtilities.CreateInstance<DuckDbWarehouseWriter>(sp);
            }

            var clock = sp.GetRequiredService<TimeProvider>();
            var s = o.Snowflake;
            return new SnowflakeWarehouseWriter(SnowflakeClient(sp), s, new SnowflakeCostMeter(s.CreditsPerHour, s.UsdPerCredit, s.AutoSuspend, clock),
                sp.GetRequiredService<ILogger<SnowflakeWarehouseWriter>>());
        });

        // Snowflake's own metering (ACCOUNT_USAGE), the real cost behind the writer's estimate; idle unless the writer is snowflake.
        builder.Services.AddValidatedOptions<SnowflakeMeteringOptions>(SnowflakeMeteringOptions.Section);
        builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<SnowflakeMeteringService>(sp, () => SnowflakeClient(sp)));
        return builder;
    }

    private static SnowflakeSqlApiClient SnowflakeClient(IServiceProvider sp)
    {
        var clock = sp.GetRequiredService<TimeProvider>();
        var s = sp.GetRequiredService<IOptions<WarehouseOptions>>().Value.Snowflake;
        return new SnowflakeSqlApiClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient("snowflake"), s, SnowflakeJwt.From(s, clock), clock,
            sp.GetRequiredService<ILogger<SnowflakeSqlApiClient>>());
    }
}
