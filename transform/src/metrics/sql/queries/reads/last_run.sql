-- The Overview's Data freshness card: the last job run.
SELECT toString(started_at) AS started_at, status FROM {{db}}.job_runs FINAL ORDER BY started_at DESC LIMIT 1
