-- Derived tables, rebuilt by the transform job (`paved transform run`) from the entity tables.
-- Each is filled into a *_next twin and swapped in with EXCHANGE TABLES, so readers never see a half-built table.

-- One row per deployment (all environments), folded from its statuses and mapped to a service.
CREATE TABLE IF NOT EXISTS {{db}}.t_deployments {{on_cluster}}
(
    id String,
    repo String,
    service String,
    -- How the service was found: sender, catalog, override, repo or unknown.
    service_via LowCardinality(String),
    team String,
    environment String,
    is_production Bool,
    sha Nullable(String),
    status LowCardinality(String),
    started_at DateTime64(3, 'UTC'),
    -- The time of the success status for successful deployments, else of the last status.
    deployed_at DateTime64(3, 'UTC'),
    creator_login Nullable(String),
    workflow_name Nullable(String),
    source_system LowCardinality(String),
    golden_path Bool,
    via_platform Bool,
    url Nullable(String)
)
ENGINE = MergeTree
ORDER BY (service, deployed_at, id);

-- Commits of each production deployment's change set (each commit counted once per service).
CREATE TABLE IF NOT EXISTS {{db}}.t_change_set_commits {{on_cluster}}
(
    deployment_id String,
    service String,
    repo String,
    sha String,
    -- compare, push_chain, first_push, squash_pr (the PR's original commit standing in for its squash commit)
    via LowCardinality(String),
    -- The merge/squash commit a squash_pr commit stands in for.
    stands_in_for Nullable(String)
)
ENGINE = MergeTree
ORDER BY (service, deployment_id, sha);

-- How each production deployment's change set was found, for coverage and explanations.
CREATE TABLE IF NOT EXISTS {{db}}.t_change_sets {{on_cluster}}
(
    deployment_id String,
    service String,
    previous_deployment_id Nullable(String),
    previous_sha Nullable(String),
    method LowCardinality(String),
    commits UInt32,
    -- Why the walk stopped: previous_deployment, branch_creation, already_counted, end_of_known_history, redeploy, no_sha
    stopped_at LowCardinality(String),
    is_rollback Bool,
    rollback_of_sha Nullable(String)
)
ENGINE = MergeTree
ORDER BY (service, deployment_id);

-- One row per incident, folded from its updates, mapped to a service.
CREATE TABLE IF NOT EXISTS {{db}}.t_incidents {{on_cluster}}
(
    id String,
    source LowCardinality(String),
    service String,
    team String,
    golden_path Bool,
    severity LowCardinality(String),
    title String,
    status LowCardinality(String),
    opened_at DateTime64(3, 'UTC'),
    acknowledged_at Nullable(DateTime64(3, 'UTC')),
    resolved_at Nullable(DateTime64(3, 'UTC')),
    linked_deployment_ids Array(String),
    linked_shas Array(String),
    url Nullable(String)
)
ENGINE = MergeTree
ORDER BY (service, opened_at, id);

-- Why a production deployment failed: one row per piece of evidence.
CREATE TABLE IF NOT EXISTS {{db}}.t_failure_links {{on_cluster}}
(
    deployment_id String,
    service String,
    -- explicit, rollback, revert, inferred, override
    method LowCardinality(String),
    incident_id Nullable(String),
    other_deployment_id Nullable(String),
    evidence String
)
ENGINE = MergeTree
ORDER BY (service, deployment_id, method);

-- Overrides set by a person win over inference: reject a link, or add one.
CREATE TABLE IF NOT EXISTS {{db}}.failure_link_overrides {{on_cluster}}
(
    deployment_id String,
    incident_id String,
    -- reject: "this incident was not caused by that deployment"; confirm: "it was"
    verdict LowCardinality(String),
    note String,
    set_by String,
    set_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(set_at)
ORDER BY (deployment_id, incident_id);

-- Overrides of the service a repository (+ path) or an incident maps to.
CREATE TABLE IF NOT EXISTS {{db}}.mapping_overrides {{on_cluster}}
(
    kind LowCardinality(String),
    key String,
    service String,
    set_by String,
    set_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(set_at)
ORDER BY (kind, key);

-- Per merged PR: the four stages of cycle time.
CREATE TABLE IF NOT EXISTS {{db}}.t_pr_flow {{on_cluster}}
(
    repo String,
    number UInt32,
    title String,
    author_login Nullable(String),
    author_bot Bool,
    service String,
    team String,
    labels Array(String),
    first_commit_at Nullable(DateTime64(3, 'UTC')),
    opened_at DateTime64(3, 'UTC'),
    first_review_at Nullable(DateTime64(3, 'UTC')),
    merged_at DateTime64(3, 'UTC'),
    deployed_at Nullable(DateTime64(3, 'UTC')),
    deployment_id Nullable(String),
    coding_hours Nullable(Float64),
    pickup_hours Nullable(Float64),
    review_hours Nullable(Float64),
    deploy_hours Nullable(Float64)
)
ENGINE = MergeTree
ORDER BY (team, merged_at, repo, number);

-- Runs of scheduled jobs: status, duration and the lock that keeps two replicas from running one job twice.
CREATE TABLE IF NOT EXISTS {{db}}.job_runs {{on_cluster}}
(
    job LowCardinality(String),
    run_id String,
    holder String,
    started_at DateTime64(3, 'UTC'),
    finished_at Nullable(DateTime64(3, 'UTC')),
    status LowCardinality(String),
    detail String
)
ENGINE = ReplacingMergeTree(started_at)
ORDER BY (job, run_id);
