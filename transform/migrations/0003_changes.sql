-- Change-set commits enriched for the metrics: deployment time, commit time, lead time, revert and fix-PR flags.
CREATE TABLE IF NOT EXISTS {{db}}.t_changes {{on_cluster}}
(
    deployment_id String,
    service String,
    team String,
    golden_path Bool,
    deployed_at DateTime64(3, 'UTC'),
    repo String,
    sha String,
    via LowCardinality(String),
    authored_at Nullable(DateTime64(3, 'UTC')),
    -- Null when the commit time is unknown, or when the commit is a squash commit whose PR's originals stand in for it.
    lead_hours Nullable(Float64),
    is_revert Bool,
    pr_number Nullable(UInt32),
    fix_pr Bool
)
ENGINE = MergeTree
ORDER BY (team, service, deployed_at, deployment_id, sha);
