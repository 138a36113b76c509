using Microsoft.Extensions.Options;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Warehouse;
using MillionX.Pipeline.Warehouse.Snowflake;

namespace MillionX.Pipeline.Stages.WarehouseSink;

public static class WarehouseSinkRegistration
{
    public static readonly StageDefinition Definition = new(
        WarehouseSinkStage.StageName, StageKind.Processor,
        "Loads ORDERS, PRICE_HISTORY and WEATHER_LOGS in batches (DuckDB embedded, or Snowflake).", AddWarehouseSink);

    public static IHostApplicationBuilder AddWarehouseSink(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WarehouseSinkOptions>().BindConfiguration(WarehouseSinkOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.AddWarehouse();
        builder.Services.AddSingleton<WarehouseSinkStage>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WarehouseSinkStage>());
        return builder;
    }

    /// <summary>The configured warehouse writer (also used by the <c>sql</c> command's DuckDB path).</summary>
    public static IHostApplicationBuilder AddWarehouse(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WarehouseOptions>().BindConfiguration(WarehouseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
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
            var client = new SnowflakeSqlApiClient(
                sp.GetRequiredService<IHttpClientFactory>().CreateClient("snowflake"), s, SnowflakeJwt.From(s, clock), clock,
                sp.GetRequiredService<ILogger<SnowflakeSqlApiClient>>());
            return new SnowflakeWarehouseWriter(client, s, new SnowflakeCostMeter(s.CreditsPerHour, s.UsdPerCredit, s.AutoSuspend, clock),
                sp.GetRequiredService<ILogger<SnowflakeWarehouseWriter>>());
        });
        return builder;
    }
}
