namespace MillionX.Pipeline.Quality;

/// <summary>
/// The warehouse columns the data-quality checks read, in one place: a change that renames the warehouse's columns
/// (to the plan's names, say) changes these defaults and nothing else in the checks.
/// </summary>
public sealed record QualitySchema(OrdersColumns Orders, PriceHistoryColumns PriceHistory, WeatherLogsColumns WeatherLogs, CatalogueColumns Catalogue)
{
    /// <summary>
    /// The tables as Warehouse/Sql/duckdb.sql and snowflake.sql (and the enricher's PRODUCT_CATALOGUE) define them today:
    /// the plan's column names, read by their bare table names (the writer's RAW_DATA schema in Snowflake; the views
    /// over RAW_DATA in the DuckDB file's main schema).
    /// </summary>
    public static QualitySchema Current { get; } = new(new(), new(), new(), new());
}

public sealed record OrdersColumns(
    string Table = "ORDERS", string Platform = "PLATFORM", string OrderId = "ORDER_ID", string ProductId = "PRODUCT_ID",
    string MerchantId = "MERCHANT_ID", string ProductName = "PRODUCT_NAME", string Quantity = "QUANTITY", string Price = "PRICE",
    string Currency = "CURRENCY", string OrderStatus = "ORDER_STATUS", string OrderTimestamp = "\"TIMESTAMP\"",
    string IngestionTime = "INGESTION_TIME", string HashKeyId = "HASH_KEY_ID", string LineId = "LINE_ID");

public sealed record PriceHistoryColumns(
    string Table = "PRICE_HISTORY", string Platform = "PLATFORM", string ProductId = "PRODUCT_ID", string OrderId = "ORDER_ID",
    string Price = "PRICE", string Currency = "CURRENCY", string ObservedAt = "RECORDED_AT", string IngestionTime = "INGESTION_TIME");

public sealed record WeatherLogsColumns(
    string Table = "WEATHER_LOGS", string City = "CITY", string ObservedAt = "RECORDED_AT", string Temperature = "TEMPERATURE",
    string Condition = "CONDITION", string Humidity = "HUMIDITY", string WindSpeed = "WIND_SPEED", string IsExtremeWeather = "IS_EXTREME_WEATHER",
    string IngestionTime = "INGESTION_TIME");

/// <summary>The context enricher's persisted catalogue (DuckDB only; with <c>Store = redis</c> or on Snowflake it is not in the warehouse).</summary>
public sealed record CatalogueColumns(
    string Table = "PRODUCT_CATALOGUE", string Platform = "PLATFORM", string ProductId = "PRODUCT_ID", string Name = "NAME",
    string LatestPrice = "LATEST_PRICE", string MinPrice = "MIN_PRICE", string MaxPrice = "MAX_PRICE", string Currency = "CURRENCY",
    string TimesSeen = "TIMES_SEEN", string LatestAt = "LATEST_AT");
