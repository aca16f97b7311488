-- Data health: dead letters waiting for a replay, by step and reason (the 50 most frequent).
SELECT step, substring(reason, 1, 300) AS reason, count() AS count, toString(max(failed_at)) AS last_failed
FROM {{db}}.dead_letters FINAL
WHERE replayed_at IS NULL
GROUP BY step, reason ORDER BY count DESC LIMIT 50
