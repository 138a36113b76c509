-- Warehouse tables for the embedded DuckDB writer. Times are UTC. Natural keys are the primary keys,
-- so loads are idempotent upserts (INSERT OR REPLACE).
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
    PRIMARY KEY (PLATFORM, ORDER_ID, PRODUCT_ID)
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
    FAILED_AT       TIMESTAMP,
    MESSAGE_BASE64  VARCHAR       NOT NULL,
    ARCHIVED_AT     TIMESTAMP NOT NULL,
    REPLAYED_AT     TIMESTAMP,
    PRIMARY KEY (ARCHIVE_ID)
);
