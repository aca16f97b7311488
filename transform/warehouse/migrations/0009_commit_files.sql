-- The files each commit touched, when a source told them (push payloads, backfill's commit detail).
-- A commit of a monorepo counts only for the services whose catalog path (or a shared path) its
-- files touch; a commit with no row here is counted at the repository level (docs/metrics.md).
CREATE TABLE IF NOT EXISTS {{db}}.commit_files {{on_cluster}}
(
    repo String,
    sha String,
    files Array(String) CODEC(ZSTD(3)),
    event_id String
)
ENGINE = ReplacingMergeTree
ORDER BY (repo, sha);

-- Why a commit counts for the service: path (its files touch the service's path), shared_path (they
-- touch a configured shared path), repository (the service covers the whole repository) or
-- assumed (the service has a path but the commit's files are unknown: counted at the repository level).
ALTER TABLE {{db}}.t_change_set_commits {{on_cluster}} ADD COLUMN IF NOT EXISTS attribution LowCardinality(String) DEFAULT 'repository';

-- Commits a production deployment's change set walked over that count for no service (their files
-- touch no service's path nor a shared path), for Data health.
CREATE TABLE IF NOT EXISTS {{db}}.t_uncounted_commits {{on_cluster}}
(
    repo String,
    sha String,
    files Array(String),
    -- The first deployment whose change set walked over the commit.
    deployment_id String
)
ENGINE = MergeTree
ORDER BY (repo, sha);
