-- Warehouse tables for the embedded DuckDB writer. Times are UTC. Natural keys are the primary keys,
-- so loads are idempotent upserts. ORDERS: LINE_ID is the source's line (Shopify line item id; empty where the
-- source folds a product's lines), SOURCE_UPDATED_AT the source's last change of the order: an upsert never
-- replaces a newer version. A file from before these columns is rebuilt under the new key at start
-- (DuckDbWarehouseWriter.MigrateOrdersToLineKey).
CREATE TABLE IF NOT EXISTS ORDERS (
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
    ORDER_TIMESTAMP     TIMESTAMP     NOT NULL,
    INGESTION_TIME      TIMESTAMP     NOT NULL,
    HASH_KEY_ID         VARCHAR       NOT NULL,
    LINE_ID             VARCHAR       NOT NULL,
    SOURCE_UPDATED_AT   TIMESTAMP     NOT NULL,
    PRIMARY KEY (PLATFORM, ORDER_ID, PRODUCT_ID, LINE_ID)
);

CREATE TABLE IF NOT EXISTS PRICE_HISTORY (
    PLATFORM       VARCHAR       NOT NULL,
    PRODUCT_ID     VARCHAR       NOT NULL,
    ORDER_ID       VARCHAR       NOT NULL,
    PRICE          DECIMAL(18,4) NOT NULL,
    CURRENCY       VARCHAR       NOT NULL,
    OBSERVED_AT    TIMESTAMP     NOT NULL,
    INGESTION_TIME TIMESTAMP     NOT NULL,
    PRIMARY KEY (PLATFORM, PRODUCT_ID, ORDER_ID)
);

CREATE TABLE IF NOT EXISTS WEATHER_LOGS (
    CITY               VARCHAR   NOT NULL,
    OBSERVED_AT        TIMESTAMP NOT NULL,
    TEMPERATURE        DOUBLE    NOT NULL,
    CONDITION          VARCHAR   NOT NULL,
    HUMIDITY           DOUBLE    NOT NULL,
    WIND_SPEED         DOUBLE    NOT NULL,
    IS_EXTREME_WEATHER BOOLEAN   NOT NULL,
    INGESTION_TIME     TIMESTAMP NOT NULL,
    PRIMARY KEY (CITY, OBSERVED_AT)
);

-- The fingerprint of every privacy key id whose hashes this file holds (HMAC-SHA256(key, label), never the key):
-- a run with another key under a recorded id stops at start (DuckDbWarehouseWriter.CheckKeyFingerprints).
CREATE TABLE IF NOT EXISTS KEY_FINGERPRINTS (
    KEY_ID      VARCHAR   NOT NULL PRIMARY KEY,
    FINGERPRINT VARCHAR   NOT NULL,
    RECORDED_AT TIMESTAMP NOT NULL
);
