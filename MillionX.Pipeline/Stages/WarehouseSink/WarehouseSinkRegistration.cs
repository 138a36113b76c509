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
        builder.Services.AddSnowflakeSqlApi();
        builder.Services.AddSingleton<IWarehouseWriter>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<WarehouseOptions>>().Value;
            if (o.Writer != "snowflake")
            {
                return ActivatorUtilities.CreateInstance<DuckDbWarehouseWriter>(sp);
            }

            var clock = sp.GetRequiredService<TimeProvider>();
            var s = o.Snowflake;
            var client = sp.GetRequiredService<SnowflakeSqlApiClient>();
            return new SnowflakeWarehouseWriter(client, s, new SnowflakeCostMeter(s.CreditsPerHour, s.UsdPerCredit, s.AutoSuspend, clock),
                sp.GetRequiredService<ILogger<SnowflakeWarehouseWriter>>());
        });
        return builder;
    }
}
