-- Warehouse tables for the embedded DuckDB writer, in the plan's layout: schema RAW_DATA, tables ORDERS,
-- PRICE_HISTORY and WEATHER_LOGS with the plan's column names (ORDERS."TIMESTAMP", PRICE_HISTORY.RECORDED_AT,
-- WEATHER_LOGS.RECORDED_AT and "TIMESTAMP"; docs/operations.md, "The plan's warehouse schema"). The default file
-- data/millionx.duckdb is the catalog MILLIONX, so MILLIONX.RAW_DATA.ORDERS resolves as in Snowflake. Times are UTC.
-- Natural keys are the primary keys (stronger than the plan's surrogate ids), so loads are idempotent upserts.
-- ORDERS: LINE_ID is the source's line (Shopify line item id; empty where the source folds a product's lines),
-- SOURCE_UPDATED_AT the source's last change of the order: an upsert never replaces a newer version.
-- A file from before this layout (tables in main, ORDER_TIMESTAMP / OBSERVED_AT, ORDERS without line ids) is moved
-- into it at start, in one transaction (DuckDbWarehouseWriter.MigrateToPlanLayout).
CREATE SCHEMA IF NOT EXISTS RAW_DATA;

CREATE TABLE IF NOT EXISTS RAW_DATA.ORDERS (
    PLATFORM            VARCHAR       NOT NULL,
    ORDER_ID            VARCHAR       NOT NULL,
    PRODUCT_ID          VARCHAR       NOT NULL,
    MERCHANT_ID         VARCHAR       NOT NULL,
    PRODUCT_NAME        VARCHAR       NOT NULL,
    QUANTITY            INTEGER       NOT NULL,
    PRICE               DECIMAL(18,4) NOT NULL,
    CURRENCY            VARCHAR       NOT NULL,
    ORDER_STATUS        VARCHAR       NOT NULL,
    CUSTOMER_PHONE_HASH VARCHAR,
    "TIMESTAMP"         TIMESTAMP     NOT NULL,
    INGESTION_TIME      TIMESTAMP     NOT NULL,
    HASH_KEY_ID         VARCHAR       NOT NULL,
    LINE_ID             VARCHAR       NOT NULL,
    SOURCE_UPDATED_AT   TIMESTAMP     NOT NULL,
    PRIMARY KEY (PLATFORM, ORDER_ID, PRODUCT_ID, LINE_ID)
);

CREATE TABLE IF NOT EXISTS RAW_DATA.PRICE_HISTORY (
    PLATFORM       VARCHAR       NOT NULL,
    PRODUCT_ID     VARCHAR       NOT NULL,
    ORDER_ID       VARCHAR       NOT NULL,
    PRICE          DECIMAL(18,4) NOT NULL,
    CURRENCY       VARCHAR       NOT NULL,
    RECORDED_AT    TIMESTAMP     NOT NULL,
    INGESTION_TIME TIMESTAMP     NOT NULL,
    PRIMARY KEY (PLATFORM, PRODUCT_ID, ORDER_ID)
);

-- RECORDED_AT (the published schema's name) and "TIMESTAMP" (the plan's) both hold the observation time.
CREATE TABLE IF NOT EXISTS RAW_DATA.WEATHER_LOGS (
    CITY               VARCHAR   NOT NULL,
    RECORDED_AT        TIMESTAMP NOT NULL,
    TEMPERATURE        DOUBLE    NOT NULL,
    CONDITION          VARCHAR   NOT NULL,
    HUMIDITY           DOUBLE    NOT NULL,
    WIND_SPEED         DOUBLE    NOT NULL,
    IS_EXTREME_WEATHER BOOLEAN   NOT NULL,
    INGESTION_TIME     TIMESTAMP NOT NULL,
    "TIMESTAMP"        TIMESTAMP NOT NULL,
    PRIMARY KEY (CITY, RECORDED_AT)
);

-- The same tables under their bare names in main, for queries written before RAW_DATA (and `sql "... from ORDERS"`):
-- read-only views; writes go to RAW_DATA.
CREATE OR REPLACE VIEW main.ORDERS AS SELECT * FROM RAW_DATA.ORDERS;

CREATE OR REPLACE VIEW main.PRICE_HISTORY AS SELECT * FROM RAW_DATA.PRICE_HISTORY;

CREATE OR REPLACE VIEW main.WEATHER_LOGS AS SELECT * FROM RAW_DATA.WEATHER_LOGS;

-- The fingerprint of every privacy key id whose hashes this file holds (HMAC-SHA256(key, label), never the key):
-- a run with another key under a recorded id stops at start (DuckDbWarehouseWriter.CheckKeyFingerprints).
CREATE TABLE IF NOT EXISTS main.KEY_FINGERPRINTS (
    KEY_ID      VARCHAR   NOT NULL PRIMARY KEY,
    FINGERPRINT VARCHAR   NOT NULL,
    RECORDED_AT TIMESTAMP NOT NULL
);
