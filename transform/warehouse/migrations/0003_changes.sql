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

-- One row per successful production deployment with everything the metrics need about it.
CREATE TABLE IF NOT EXISTS {{db}}.t_deployment_facts {{on_cluster}}
(
    id String,
    repo String,
    service String,
    team String,
    golden_path Bool,
    via_platform Bool,
    deployed_at DateTime64(3, 'UTC'),
    sha Nullable(String),
    next_deployed_at Nullable(DateTime64(3, 'UTC')),
    change_set_method LowCardinality(String),
    commits UInt32,
    failed Bool,
    failure_methods Array(String),
    linked_incidents UInt32,
    resolved_incidents UInt32,
    -- Latest resolution of linked incidents; with no incident link, the service's next production deployment.
    recovery_at Nullable(DateTime64(3, 'UTC')),
    recovery_hours Nullable(Float64),
    rework Bool,
    rework_reasons Array(String),
    is_rollback Bool,
    creator_login Nullable(String),
    workflow_name Nullable(String),
    url Nullable(String)
)
ENGINE = MergeTree
ORDER BY (team, service, deployed_at, id);
