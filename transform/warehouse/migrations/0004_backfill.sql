-- Where `paved backfill` stopped, per source, scope (a repository, or `org:<org>`) and kind of object.
-- The newest row wins, so a second run fetches only what changed and a crashed run goes on where it stopped.
CREATE TABLE IF NOT EXISTS {{db}}.backfill_cursors {{on_cluster}}
(
    source LowCardinality(String),
    scope String,
    kind LowCardinality(String),
    -- The cursor as JSON: watermark, ETag of the first page, the walk in progress, what a 304 reuses.
    state String,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (source, scope, kind);
