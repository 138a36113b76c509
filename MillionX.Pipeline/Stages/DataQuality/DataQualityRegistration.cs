using Microsoft.Extensions.DependencyInjection.Extensions;
using MillionX.Pipeline.Quality;
using MillionX.Pipeline.Warehouse.Snowflake;

namespace MillionX.Pipeline.Stages.DataQuality;

public static class DataQualityRegistration
{
    /// <summary>The stage's options, the configured warehouse to check and the in-process source pass rates.</summary>
    public static IHostApplicationBuilder AddDataQuality(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<DataQualityOptions>(DataQualityOptions.Section);
        builder.Services.AddValidatedOptions<WarehouseOptions>(WarehouseOptions.Section);
        builder.Services.AddHttpClient("snowflake");
        // SourcePassRates reads the pipeline's counters; a host of its own (the quality command) registers them too, as
        // a Development host validates every registration when it is built.
        builder.Services.TryAddSingleton<Observability.PipelineMetrics>();
        builder.Services.AddSingleton<SourcePassRates>();
        builder.Services.AddSingleton<IQualityWarehouse>(sp => CreateWarehouse(sp, sp.GetRequiredService<IOptions<WarehouseOptions>>().Value));
        return builder;
    }

    /// <summary>The warehouse <c>Warehouse:Writer</c> names: the DuckDB file, or Snowflake through the SQL API client.</summary>
    public static IQualityWarehouse CreateWarehouse(IServiceProvider sp, WarehouseOptions o)
    {
        if (o.Writer != "snowflake")
        {
            return new DuckDbQualityWarehouse(o.DuckDb.Path);
        }

        var clock = sp.GetRequiredService<TimeProvider>();
        var client = new SnowflakeSqlApiClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient("snowflake"), o.Snowflake, SnowflakeJwt.From(o.Snowflake, clock), clock,
            sp.GetRequiredService<ILogger<SnowflakeSqlApiClient>>());
        return new SnowflakeQualityWarehouse(client, o.Snowflake);
    }
}
