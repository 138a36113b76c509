-- Warehouse tables for Snowflake (run one statement at a time through the SQL API). Times are UTC.
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
    ORDER_TIMESTAMP     TIMESTAMP_NTZ NOT NULL,
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

UPDATE ORDERS SET LINE_ID = COALESCE(LINE_ID, ''), SOURCE_UPDATED_AT = COALESCE(SOURCE_UPDATED_AT, ORDER_TIMESTAMP)
    WHERE LINE_ID IS NULL OR SOURCE_UPDATED_AT IS NULL;

CREATE TABLE IF NOT EXISTS PRICE_HISTORY (
    PLATFORM       VARCHAR       NOT NULL,
    PRODUCT_ID     VARCHAR       NOT NULL,
    ORDER_ID       VARCHAR       NOT NULL,
    PRICE          NUMBER(18,4)  NOT NULL,
    CURRENCY       VARCHAR(3)    NOT NULL,
    OBSERVED_AT    TIMESTAMP_NTZ NOT NULL,
    INGESTION_TIME TIMESTAMP_NTZ NOT NULL,
    PRIMARY KEY (PLATFORM, PRODUCT_ID, ORDER_ID)
);

CREATE TABLE IF NOT EXISTS WEATHER_LOGS (
    CITY               VARCHAR       NOT NULL,
    OBSERVED_AT        TIMESTAMP_NTZ NOT NULL,
    TEMPERATURE        FLOAT         NOT NULL,
    CONDITION          VARCHAR       NOT NULL,
    HUMIDITY           FLOAT         NOT NULL,
    WIND_SPEED         FLOAT         NOT NULL,
    IS_EXTREME_WEATHER BOOLEAN       NOT NULL,
    INGESTION_TIME     TIMESTAMP_NTZ NOT NULL,
    PRIMARY KEY (CITY, OBSERVED_AT)
);

-- The fingerprint of every privacy key id whose hashes these tables hold (HMAC-SHA256(key, label), never the key): a
-- loader with another key under a recorded id stops at start (SnowflakeWarehouseWriter.CheckKeyFingerprintsAsync).
-- The meeting point of loaders that share no broker (each on its own embedded one).
CREATE TABLE IF NOT EXISTS KEY_FINGERPRINTS (
    KEY_ID      VARCHAR       NOT NULL,
    FINGERPRINT VARCHAR       NOT NULL,
    RECORDED_AT TIMESTAMP_NTZ NOT NULL,
    PRIMARY KEY (KEY_ID)
);
