-- The Kafka Connect route's second half, run once by an administrator in MILLIONX.RAW_DATA (after the pipeline's
-- warehouse DDL, MillionX.Pipeline/Warehouse/Sql/snowflake.sql, has created ORDERS, PRICE_HISTORY and WEATHER_LOGS).
-- The Snowflake connector appends every record it reads to a landing table as RECORD_METADATA / RECORD_CONTENT
-- (VARIANT; snowflake.enable.schematization = false), duplicates and older versions included. A stream on each landing
-- table and one scheduled task then merge what arrived into the plan's tables with the warehouse-sink's rules:
--   ORDERS          one row per (PLATFORM, ORDER_ID, PRODUCT_ID, LINE_ID); the newest SOURCE_UPDATED_AT wins, a
--                   replayed or late older version never replaces a newer row (ties: the later Kafka record);
--   PRICE_HISTORY   one row per (PLATFORM, PRODUCT_ID, ORDER_ID) from the same order lines;
--   WEATHER_LOGS    one row per (CITY, RECORDED_AT).
-- Field names are the JSON of the topics (snake_case, MillionX.Pipeline/Contracts). Times arrive as ISO-8601 with an
-- offset and are stored as UTC TIMESTAMP_NTZ, like the pipeline's own loads. Replace LOAD_WH with your warehouse.

CREATE TABLE IF NOT EXISTS ORDERS_LANDING (RECORD_METADATA VARIANT, RECORD_CONTENT VARIANT);

CREATE TABLE IF NOT EXISTS WEATHER_LOGS_LANDING (RECORD_METADATA VARIANT, RECORD_CONTENT VARIANT);

-- Append-only streams: each merge reads only the rows that landed since the last committed merge.
CREATE STREAM IF NOT EXISTS ORDERS_LANDING_CHANGES ON TABLE ORDERS_LANDING APPEND_ONLY = TRUE;

CREATE STREAM IF NOT EXISTS WEATHER_LOGS_LANDING_CHANGES ON TABLE WEATHER_LOGS_LANDING APPEND_ONLY = TRUE;

-- One merge's order lines, typed, one per key. Filled by an INSERT (a DML, so it consumes the stream inside the
-- task's transaction) and read by both merges below.
CREATE TRANSIENT TABLE IF NOT EXISTS ORDERS_MERGE_BATCH (
    PLATFORM VARCHAR, ORDER_ID VARCHAR, PRODUCT_ID VARCHAR, MERCHANT_ID VARCHAR, PRODUCT_NAME VARCHAR, QUANTITY NUMBER(38,0),
    PRICE NUMBER(18,4), CURRENCY VARCHAR, ORDER_STATUS VARCHAR, CUSTOMER_PHONE_HASH VARCHAR, "TIMESTAMP" TIMESTAMP_NTZ,
    INGESTION_TIME TIMESTAMP_NTZ, HASH_KEY_ID VARCHAR, LINE_ID VARCHAR, SOURCE_UPDATED_AT TIMESTAMP_NTZ,
    KAFKA_TIME NUMBER, KAFKA_OFFSET NUMBER
);

CREATE OR REPLACE TASK RAW_DATA_MERGE
    WAREHOUSE = LOAD_WH
    SCHEDULE = '15 MINUTE'
    WHEN SYSTEM$STREAM_HAS_DATA('ORDERS_LANDING_CHANGES') OR SYSTEM$STREAM_HAS_DATA('WEATHER_LOGS_LANDING_CHANGES')
AS
BEGIN
    -- One transaction: the streams move on only when every merge committed (a failed run is retried whole at the next
    -- schedule, and the merges' keys and version rule make a repeat harmless).
    BEGIN TRANSACTION;

    DELETE FROM ORDERS_MERGE_BATCH;

    -- The newest source version of each order line, then the latest Kafka record.
    INSERT INTO ORDERS_MERGE_BATCH
    SELECT * FROM (
        SELECT
            RECORD_CONTENT:platform::VARCHAR                                                   AS PLATFORM,
            RECORD_CONTENT:order_id::VARCHAR                                                   AS ORDER_ID,
            RECORD_CONTENT:product_id::VARCHAR                                                 AS PRODUCT_ID,
            RECORD_CONTENT:merchant_id::VARCHAR                                                AS MERCHANT_ID,
            RECORD_CONTENT:product_name::VARCHAR                                               AS PRODUCT_NAME,
            RECORD_CONTENT:quantity::NUMBER(38,0)                                              AS QUANTITY,
            RECORD_CONTENT:price::NUMBER(18,4)                                                 AS PRICE,
            RECORD_CONTENT:currency::VARCHAR                                                   AS CURRENCY,
            RECORD_CONTENT:order_status::VARCHAR                                               AS ORDER_STATUS,
            RECORD_CONTENT:customer_phone_hash::VARCHAR                                        AS CUSTOMER_PHONE_HASH,
            CONVERT_TIMEZONE('UTC', RECORD_CONTENT:timestamp::TIMESTAMP_TZ)::TIMESTAMP_NTZ     AS "TIMESTAMP",
            SYSDATE()                                                                          AS INGESTION_TIME,
            RECORD_CONTENT:hash_key_id::VARCHAR                                                AS HASH_KEY_ID,
            COALESCE(RECORD_CONTENT:line_id::VARCHAR, '')                                      AS LINE_ID,
            CONVERT_TIMEZONE('UTC', COALESCE(RECORD_CONTENT:updated_at, RECORD_CONTENT:timestamp)::TIMESTAMP_TZ)::TIMESTAMP_NTZ
                                                                                               AS SOURCE_UPDATED_AT,
            RECORD_METADATA:CreateTime::NUMBER                                                 AS KAFKA_TIME,
            RECORD_METADATA:offset::NUMBER                                                     AS KAFKA_OFFSET
        FROM ORDERS_LANDING_CHANGES
    )
    QUALIFY ROW_NUMBER() OVER (PARTITION BY PLATFORM, ORDER_ID, PRODUCT_ID, LINE_ID
                               ORDER BY SOURCE_UPDATED_AT DESC, KAFKA_TIME DESC, KAFKA_OFFSET DESC) = 1;

    MERGE INTO ORDERS t USING ORDERS_MERGE_BATCH s
        ON t.PLATFORM = s.PLATFORM AND t.ORDER_ID = s.ORDER_ID AND t.PRODUCT_ID = s.PRODUCT_ID AND t.LINE_ID = s.LINE_ID
    WHEN MATCHED AND (t.SOURCE_UPDATED_AT IS NULL OR s.SOURCE_UPDATED_AT >= t.SOURCE_UPDATED_AT) THEN UPDATE SET
        t.MERCHANT_ID = s.MERCHANT_ID, t.PRODUCT_NAME = s.PRODUCT_NAME, t.QUANTITY = s.QUANTITY, t.PRICE = s.PRICE,
        t.CURRENCY = s.CURRENCY, t.ORDER_STATUS = s.ORDER_STATUS, t.CUSTOMER_PHONE_HASH = s.CUSTOMER_PHONE_HASH,
        t."TIMESTAMP" = s."TIMESTAMP", t.INGESTION_TIME = s.INGESTION_TIME, t.HASH_KEY_ID = s.HASH_KEY_ID,
        t.SOURCE_UPDATED_AT = s.SOURCE_UPDATED_AT
    WHEN NOT MATCHED THEN INSERT
        (PLATFORM, ORDER_ID, PRODUCT_ID, MERCHANT_ID, PRODUCT_NAME, QUANTITY, PRICE, CURRENCY, ORDER_STATUS,
         CUSTOMER_PHONE_HASH, "TIMESTAMP", INGESTION_TIME, HASH_KEY_ID, LINE_ID, SOURCE_UPDATED_AT)
        VALUES (s.PLATFORM, s.ORDER_ID, s.PRODUCT_ID, s.MERCHANT_ID, s.PRODUCT_NAME, s.QUANTITY, s.PRICE, s.CURRENCY, s.ORDER_STATUS,
         s.CUSTOMER_PHONE_HASH, s."TIMESTAMP", s.INGESTION_TIME, s.HASH_KEY_ID, s.LINE_ID, s.SOURCE_UPDATED_AT);

    -- One price per (platform, product, order): two lines of one product in one order keep the later line's price.
    MERGE INTO PRICE_HISTORY t USING (
        SELECT PLATFORM, PRODUCT_ID, ORDER_ID, PRICE, CURRENCY, "TIMESTAMP" AS RECORDED_AT, INGESTION_TIME
        FROM ORDERS_MERGE_BATCH
        QUALIFY ROW_NUMBER() OVER (PARTITION BY PLATFORM, PRODUCT_ID, ORDER_ID ORDER BY SOURCE_UPDATED_AT DESC, KAFKA_TIME DESC, KAFKA_OFFSET DESC) = 1
    ) s
        ON t.PLATFORM = s.PLATFORM AND t.PRODUCT_ID = s.PRODUCT_ID AND t.ORDER_ID = s.ORDER_ID
    WHEN MATCHED THEN UPDATE SET
        t.PRICE = s.PRICE, t.CURRENCY = s.CURRENCY, t.RECORDED_AT = s.RECORDED_AT, t.INGESTION_TIME = s.INGESTION_TIME
    WHEN NOT MATCHED THEN INSERT (PLATFORM, PRODUCT_ID, ORDER_ID, PRICE, CURRENCY, RECORDED_AT, INGESTION_TIME)
        VALUES (s.PLATFORM, s.PRODUCT_ID, s.ORDER_ID, s.PRICE, s.CURRENCY, s.RECORDED_AT, s.INGESTION_TIME);

    MERGE INTO WEATHER_LOGS t USING (
        SELECT
            RECORD_CONTENT:city::VARCHAR                                               AS CITY,
            CONVERT_TIMEZONE('UTC', RECORD_CONTENT:timestamp::TIMESTAMP_TZ)::TIMESTAMP_NTZ AS RECORDED_AT,
            RECORD_CONTENT:temperature::FLOAT                                          AS TEMPERATURE,
            RECORD_CONTENT:condition::VARCHAR                                          AS CONDITION,
            RECORD_CONTENT:humidity::FLOAT                                             AS HUMIDITY,
            RECORD_CONTENT:wind_speed::FLOAT                                           AS WIND_SPEED,
            RECORD_CONTENT:is_extreme_weather::BOOLEAN                                 AS IS_EXTREME_WEATHER,
            SYSDATE()                                                                  AS INGESTION_TIME
        FROM WEATHER_LOGS_LANDING_CHANGES
        QUALIFY ROW_NUMBER() OVER (PARTITION BY CITY, RECORDED_AT
                                   ORDER BY RECORD_METADATA:CreateTime::NUMBER DESC, RECORD_METADATA:offset::NUMBER DESC) = 1
    ) s
        ON t.CITY = s.CITY AND t.RECORDED_AT = s.RECORDED_AT
    WHEN MATCHED THEN UPDATE SET
        t.TEMPERATURE = s.TEMPERATURE, t.CONDITION = s.CONDITION, t.HUMIDITY = s.HUMIDITY, t.WIND_SPEED = s.WIND_SPEED,
        t.IS_EXTREME_WEATHER = s.IS_EXTREME_WEATHER, t.INGESTION_TIME = s.INGESTION_TIME, t."TIMESTAMP" = s.RECORDED_AT
    WHEN NOT MATCHED THEN INSERT
        (CITY, RECORDED_AT, TEMPERATURE, CONDITION, HUMIDITY, WIND_SPEED, IS_EXTREME_WEATHER, INGESTION_TIME, "TIMESTAMP")
        VALUES (s.CITY, s.RECORDED_AT, s.TEMPERATURE, s.CONDITION, s.HUMIDITY, s.WIND_SPEED, s.IS_EXTREME_WEATHER, s.INGESTION_TIME, s.RECORDED_AT);

    -- The landing tables keep 7 days for replays and audits (append-only streams ignore deletes).
    DELETE FROM ORDERS_LANDING WHERE RECORD_METADATA:CreateTime::NUMBER < DATE_PART(EPOCH_MILLISECOND, DATEADD(DAY, -7, SYSDATE()));
    DELETE FROM WEATHER_LOGS_LANDING WHERE RECORD_METADATA:CreateTime::NUMBER < DATE_PART(EPOCH_MILLISECOND, DATEADD(DAY, -7, SYSDATE()));

    COMMIT;
END;

ALTER TASK RAW_DATA_MERGE RESUME;
