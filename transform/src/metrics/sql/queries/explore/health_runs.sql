-- Data health: the last ten job runs.
SELECT job, toString(started_at) AS started_at, toString(finished_at) AS finished_at, status, detail
FROM {{db}}.job_runs FINAL
ORDER BY started_at DESC LIMIT 10
