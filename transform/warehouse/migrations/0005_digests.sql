-- Weekly digests as delivered: one row per ISO week, team ('' = the organisation) and channel
-- (slack, email, archive), with every rendered form and the content they came from (JSON).
CREATE TABLE IF NOT EXISTS {{db}}.digests {{on_cluster}}
(
    week String,
    team String,
    channel LowCardinality(String),
    subject String,
    text String CODEC(ZSTD(3)),
    html String CODEC(ZSTD(3)),
    blocks String CODEC(ZSTD(3)),
    markdown String CODEC(ZSTD(3)),
    content String CODEC(ZSTD(3)),
    created_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(created_at)
ORDER BY (week, team, channel);

-- The delivery ledger: one row per state change of a (week, team, channel) delivery; the highest
-- version is the current state (transform/src/digest/ledger.ts explains the version and the claim).
-- The deduplication window lets a claim carry insert_deduplication_token, so that of two instances
-- claiming the same attempt at once only the first insert is kept.
CREATE TABLE IF NOT EXISTS {{db}}.digest_deliveries {{on_cluster}}
(
    week String,
    team String,
    channel LowCardinality(String),
    -- pending (claimed), sending (network call under way), sent, failed, uncertain (interrupted mid-send)
    status LowCardinality(String),
    attempts UInt32,
    holder String,
    claimed_at DateTime64(3, 'UTC'),
    sent_at Nullable(DateTime64(3, 'UTC')),
    next_attempt_at Nullable(DateTime64(3, 'UTC')),
    last_error String,
    version UInt64,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (week, team, channel)
SETTINGS non_replicated_deduplication_window = 1000;
