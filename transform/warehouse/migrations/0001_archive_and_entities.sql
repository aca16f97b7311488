-- Every accepted source delivery, verbatim, for replay. The first copy of a delivery wins.
CREATE TABLE IF NOT EXISTS {{db}}.raw_deliveries {{on_cluster}}
(
    source LowCardinality(String),
    delivery_id String,
    event LowCardinality(String),
    received_at DateTime64(3, 'UTC'),
    payload String CODEC(ZSTD(3)),
    -- How normalisation ended: ok, ignored or dlq, with the reason for the last two.
    outcome LowCardinality(String),
    reason String,
    keep_first UInt64
)
ENGINE = ReplacingMergeTree(keep_first)
PARTITION BY toYYYYMM(received_at)
ORDER BY (source, delivery_id);

CREATE TABLE IF NOT EXISTS {{db}}.commits {{on_cluster}}
(
    repo String,
    sha String,
    author_login Nullable(String),
    author_name Nullable(String),
    author_email Nullable(String),
    author_bot Bool,
    authored_at DateTime64(3, 'UTC'),
    committed_at DateTime64(3, 'UTC'),
    message String CODEC(ZSTD(3)),
    parents Array(String),
    reverts_sha Nullable(String),
    event_id String
)
ENGINE = ReplacingMergeTree
ORDER BY (repo, sha);

CREATE TABLE IF NOT EXISTS {{db}}.pushes {{on_cluster}}
(
    repo String,
    ref String,
    before String,
    after String,
    pushed_at DateTime64(3, 'UTC'),
    pusher_login Nullable(String),
    commits Array(String),
    forced Bool,
    event_id String
)
ENGINE = ReplacingMergeTree
ORDER BY (repo, after, ref, before);

-- One row per known state of a PR; the newest `updated_at` wins.
CREATE TABLE IF NOT EXISTS {{db}}.pull_requests {{on_cluster}}
(
    repo String,
    number UInt32,
    title String,
    author_login Nullable(String),
    author_bot Bool,
    labels Array(String),
    state LowCardinality(String),
    base_ref Nullable(String),
    head_sha Nullable(String),
    merge_commit_sha Nullable(String),
    opened_at DateTime64(3, 'UTC'),
    first_commit_at Nullable(DateTime64(3, 'UTC')),
    first_review_at Nullable(DateTime64(3, 'UTC')),
    approved_at Nullable(DateTime64(3, 'UTC')),
    merged_at Nullable(DateTime64(3, 'UTC')),
    closed_at Nullable(DateTime64(3, 'UTC')),
    updated_at DateTime64(3, 'UTC'),
    event_id String
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (repo, number);

-- A PR's own commits from every source that knew them (webhooks do not, backfill does).
CREATE TABLE IF NOT EXISTS {{db}}.pull_request_commits {{on_cluster}}
(
    repo String,
    number UInt32,
    sha String,
    position UInt32
)
ENGINE = ReplacingMergeTree
ORDER BY (repo, number, sha);

CREATE TABLE IF NOT EXISTS {{db}}.reviews {{on_cluster}}
(
    repo String,
    pr_number UInt32,
    id String,
    reviewer_login Nullable(String),
    reviewer_bot Bool,
    state LowCardinality(String),
    submitted_at DateTime64(3, 'UTC'),
    event_id String
)
ENGINE = ReplacingMergeTree
ORDER BY (repo, pr_number, id);

-- Every status a deployment went through; the transform reads the final one.
CREATE TABLE IF NOT EXISTS {{db}}.deployment_statuses {{on_cluster}}
(
    id String,
    repo String,
    service Nullable(String),
    path Nullable(String),
    environment String,
    sha Nullable(String),
    ref Nullable(String),
    status LowCardinality(String),
    started_at DateTime64(3, 'UTC'),
    finished_at Nullable(DateTime64(3, 'UTC')),
    status_at DateTime64(3, 'UTC'),
    creator_login Nullable(String),
    creator_bot Bool,
    workflow_name Nullable(String),
    source_system LowCardinality(String),
    url Nullable(String),
    event_id String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(started_at)
ORDER BY (id, status_at, status);

-- Every known state of an incident; the transform folds them (first ack, last resolution, all links).
CREATE TABLE IF NOT EXISTS {{db}}.incident_updates {{on_cluster}}
(
    id String,
    source LowCardinality(String),
    service Nullable(String),
    repo Nullable(String),
    severity LowCardinality(String),
    title String,
    status LowCardinality(String),
    opened_at DateTime64(3, 'UTC'),
    acknowledged_at Nullable(DateTime64(3, 'UTC')),
    resolved_at Nullable(DateTime64(3, 'UTC')),
    linked_deployment_ids Array(String),
    linked_shas Array(String),
    url Nullable(String),
    updated_at DateTime64(3, 'UTC'),
    event_id String
)
ENGINE = ReplacingMergeTree
ORDER BY (id, updated_at, status);

CREATE TABLE IF NOT EXISTS {{db}}.catalog_entities {{on_cluster}}
(
    service String,
    team Nullable(String),
    tier Nullable(String),
    repo Nullable(String),
    path Nullable(String),
    lifecycle Nullable(String),
    system Nullable(String),
    annotations Map(String, String),
    source_template Nullable(String),
    created_at Nullable(DateTime64(3, 'UTC')),
    updated_at DateTime64(3, 'UTC'),
    event_id String
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY service;

CREATE TABLE IF NOT EXISTS {{db}}.adoption_events {{on_cluster}}
(
    id String,
    kind LowCardinality(String),
    service Nullable(String),
    team Nullable(String),
    template Nullable(String),
    occurred_at DateTime64(3, 'UTC'),
    detail String,
    event_id String
)
ENGINE = ReplacingMergeTree
ORDER BY id;

CREATE TABLE IF NOT EXISTS {{db}}.survey_definitions {{on_cluster}}
(
    id String,
    version UInt32,
    title String,
    definition String,
    event_id String
)
ENGINE = ReplacingMergeTree
ORDER BY (id, version);

-- Anonymous by construction: team and coarse bands, never a person or an invite.
CREATE TABLE IF NOT EXISTS {{db}}.survey_responses {{on_cluster}}
(
    id String,
    campaign_id String,
    survey_id String,
    survey_version UInt32,
    team String,
    tenure Nullable(String),
    role Nullable(String),
    answers Map(String, Nullable(Float64)),
    free_text Map(String, String),
    submitted_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(submitted_at)
ORDER BY (campaign_id, id);

-- Messages no stage could process, with why; re-driven by `paved dlq replay`.
CREATE TABLE IF NOT EXISTS {{db}}.dead_letters {{on_cluster}}
(
    id String,
    key Nullable(String),
    value String CODEC(ZSTD(3)),
    headers Map(String, String),
    reason String,
    step LowCardinality(String),
    failed_at DateTime64(3, 'UTC'),
    source_topic Nullable(String),
    source_partition Nullable(Int32),
    source_offset Nullable(String),
    replayed_at Nullable(DateTime64(3, 'UTC'))
)
ENGINE = ReplacingMergeTree
ORDER BY id;
