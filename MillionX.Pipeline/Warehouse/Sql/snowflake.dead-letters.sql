-- The dead-letter archive (snowflake), its own file: dlq-monitor creates it, on its own connection; the warehouse
-- writer does not, so two connections never race to create one table.
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
