-- Warehouse tables for Snowflake (run one statement at a time through the SQL API). Times are UTC.
-- Snowflake does not enforce primary keys; the loader's MERGE on these keys is what keeps loads idempotent.
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
    PRIMARY KEY (PLATFORM, ORDER_ID, PRODUCT_ID)
);

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

-- Dead letters as the dead-letter topics hold them (the envelope still encrypted where the topic's is), archived by
-- dlq-monitor so that `dlq inspect` and `dlq replay` work after the broker is gone, and as an audit table. Keyed by
-- the SHA-256 of the message, so archiving a letter again (a redelivery) keeps one row. REPLAYED_AT is the replay
-- ledger of letters replayed from here.
CREATE TABLE IF NOT EXISTS DEAD_LETTERS (
    ARCHIVE_ID      VARCHAR       NOT NULL,
    TOPIC           VARCHAR       NOT NULL,
    KAFKA_PARTITION INTEGER       NOT NULL,
    KAFKA_OFFSET    BIGINT        NOT NULL,
    MESSAGE_KEY     VARCHAR,
    STAGE           VARCHAR,
    REASON          VARCHAR,
    SOURCE_TOPIC    VARCHAR,
    FAILED_AT       TIMESTAMP_NTZ,
    MESSAGE_BASE64  VARCHAR       NOT NULL,
    ARCHIVED_AT     TIMESTAMP_NTZ NOT NULL,
    REPLAYED_AT     TIMESTAMP_NTZ,
    PRIMARY KEY (ARCHIVE_ID)
);
