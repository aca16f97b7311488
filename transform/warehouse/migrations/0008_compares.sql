-- GitHub compare API results (`base...head`) fetched at backfill for consecutive production
-- deployments: the change set's source of truth when present (README, "Change set").
CREATE TABLE IF NOT EXISTS {{db}}.compares {{on_cluster}}
(
    repo String,
    base String,
    head String,
    status LowCardinality(String),
    commits Array(String),
    total_commits UInt32,
    fetched_at DateTime64(3, 'UTC'),
    event_id String
)
ENGINE = ReplacingMergeTree(fetched_at)
ORDER BY (repo, base, head);
