-- Incremental change-set walks (docs/operations.md, "Freshness"): an increment walks a service only
-- from its earliest touched production deployment on, starting from what the service's earlier
-- change sets went over. The commits they counted are in t_change_set_commits; this table holds the
-- commits a change set of a path-scoped (monorepo) service went over without counting them (their
-- files touch only other services' paths), and whether they count for no service at all
-- (t_uncounted_commits keeps the first deployment, in service order, that went over such a commit).
CREATE TABLE IF NOT EXISTS {{db}}.t_change_set_walked {{on_cluster}}
(
    service String,
    repo String,
    sha String,
    deployment_id String,
    counts_for_none Bool
)
ENGINE = MergeTree
ORDER BY (service, repo, sha);

-- Where an increment's walk starts in each service it re-walks: the first production deployment
-- (by deployed_at, id) whose change set may change. Written at the start of each increment.
CREATE TABLE IF NOT EXISTS {{db}}.transform_increment_tails {{on_cluster}}
(
    service String,
    from_at DateTime64(3, 'UTC'),
    from_id String
)
ENGINE = MergeTree
ORDER BY service;
