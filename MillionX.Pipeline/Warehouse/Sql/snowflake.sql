-- Warehouse tables for Snowflake (run one statement at a time through the SQL API), in the plan's layout: database
-- MILLIONX, schema RAW_DATA (Warehouse:Snowflake:Database / Schema; the request's context, so the names here are
-- bare), tables ORDERS, PRICE_HISTORY and WEATHER_LOGS with the plan's column names (docs/operations.md, "The plan's
-- warehouse schema"). Tables of an earlier layout (in PUBLIC, with ORDER_TIMESTAMP / OBSERVED_AT) are moved and
-- renamed before these statements run (SnowflakeSchemaMigration). Times are UTC.
-- Snowflake does not enforce primary keys; the loader's MERGE on these keys is what keeps loads idempotent, and
-- its condition on ORDERS.SOURCE_UPDATED_AT keeps an older version of an order line from replacing a newer one.
CREATE TABLE IF NOT EXISTS ORDERS (
    PLATFORM            VARCHAR       NOT NULL,
    ORDER_ID            VARCHAR       NOT NULL,
    PRODUCT_ID          VARCHAR       NOT NULL,
    MERCHANT_ID         VARCHAR       NOT NULL,
    PRODUCT_NAME        VARCHAR       NOT NULL,
    QUANTITY            NUMBER(38,0)  NOT NULL,
    PRICE               NUMBER(18,4)  NOT NULL,
    CURRENCY            VARCHAR(3)    NOT NULL,
    ORDER_STATUS        VARCHAR       NOT NULL,
    CUSTOMER_PHONE_HASH VARCHAR,
    "TIMESTAMP"         TIMESTAMP_NTZ NOT NULL,
    INGESTION_TIME      TIMESTAMP_NTZ NOT NULL,
    HASH_KEY_ID         VARCHAR       NOT NULL,
    LINE_ID             VARCHAR       DEFAULT '',
    SOURCE_UPDATED_AT   TIMESTAMP_NTZ,
    PRIMARY KEY (PLATFORM, ORDER_ID, PRODUCT_ID, LINE_ID)
);

-- Tables created before order lines had a line id and a source version: add the columns; old rows get an empty line
-- id and their order time as their version, so any later version of the order replaces them.
ALTER TABLE ORDERS ADD COLUMN IF NOT EXISTS LINE_ID VARCHAR DEFAULT '';

ALTER TABLE ORDERS ADD COLUMN IF NOT EXISTS SOURCE_UPDATED_AT TIMESTAMP_NTZ;

UPDATE ORDERS SET LINE_ID = COALESCE(LINE_ID, ''), SOURCE_UPDATED_AT = COALESCE(SOURCE_UPDATED_AT, "TIMESTAMP")
    WHERE LINE_ID IS NULL OR SOURCE_UPDATED_AT IS NULL;

CREATE TABLE IF NOT EXISTS PRICE_HISTORY (
    PLATFORM       VARCHAR       NOT NULL,
    PRODUCT_ID     VARCHAR       NOT NULL,
    ORDER_ID       VARCHAR       NOT NULL,
    PRICE          NUMBER(18,4)  NOT NULL,
    CURRENCY       VARCHAR(3)    NOT NULL,
    RECORDED_AT    TIMESTAMP_NTZ NOT NULL,
    INGESTION_TIME TIMESTAMP_NTZ NOT NULL,
    PRIMARY KEY (PLATFORM, PRODUCT_ID, ORDER_ID)
);

-- RECORDED_AT (the published schema's name) and "TIMESTAMP" (the plan's) both hold the observation time.
CREATE TABLE IF NOT EXISTS WEATHER_LOGS (
    CITY               VARCHAR       NOT NULL,
    RECORDED_AT        TIMESTAMP_NTZ NOT NULL,
    TEMPERATURE        FLOAT         NOT NULL,
    CONDITION          VARCHAR       NOT NULL,
    HUMIDITY           FLOAT         NOT NULL,
    WIND_SPEED         FLOAT         NOT NULL,
    IS_EXTREME_WEATHER BOOLEAN       NOT NULL,
    INGESTION_TIME     TIMESTAMP_NTZ NOT NULL,
    "TIMESTAMP"        TIMESTAMP_NTZ NOT NULL,
    PRIMARY KEY (CITY, RECORDED_AT)
);

-- A WEATHER_LOGS from before the plan's layout (its OBSERVED_AT renamed to RECORDED_AT) gets the plan's "TIMESTAMP" too.
ALTER TABLE WEATHER_LOGS ADD COLUMN IF NOT EXISTS "TIMESTAMP" TIMESTAMP_NTZ;

UPDATE WEATHER_LOGS SET "TIMESTAMP" = RECORDED_AT WHERE "TIMESTAMP" IS NULL;

-- The fingerprint of every privacy key id whose hashes these tables hold (HMAC-SHA256(key, label), never the key): a
-- loader with another key under a recorded id stops at start (SnowflakeWarehouseWriter.CheckKeyFingerprintsAsync).
-- The meeting point of loaders that share no broker (each on its own embedded one).
CREATE TABLE IF NOT EXISTS KEY_FINGERPRINTS (
    KEY_ID      VARCHAR       NOT NULL,
    FINGERPRINT VARCHAR       NOT NULL,
    RECORDED_AT TIMESTAMP_NTZ NOT NULL,
    PRIMARY KEY (KEY_ID)
);
