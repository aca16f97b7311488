-- Incremental transforms (docs/operations.md, "Freshness"): after the sink lands a batch, only what
-- it can affect is recomputed. These tables hold the increment's scope and the definitions the
-- derived tables were last fully built with.

-- The keys an increment recomputes (deployment ids, incident ids, services, repo:sha pairs, PRs),
-- written at the start of each increment and read by the scoped rebuild statements, so that key
-- lists of any length reach SQL as a table instead of as parameters.
CREATE TABLE IF NOT EXISTS {{db}}.transform_increment_keys {{on_cluster}}
(
    kind LowCardinality(String),
    key String
)
ENGINE = MergeTree
ORDER BY (kind, key);

-- name = 'definitions': a fingerprint of the metric settings and statements of the last full
-- rebuild. An increment runs only while it matches; otherwise the next run is a full rebuild.
CREATE TABLE IF NOT EXISTS {{db}}.transform_state {{on_cluster}}
(
    name String,
    value String,
    set_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(set_at)
ORDER BY name;
