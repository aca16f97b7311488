-- Data health: each source's last delivery and how many were accepted, ignored or dead-lettered.
SELECT source, toString(max(received_at)) AS last_received, count() AS deliveries, countIf(outcome = 'dlq') AS dead_lettered, countIf(outcome = 'ignored') AS ignored
FROM {{db}}.raw_deliveries FINAL
GROUP BY source ORDER BY source
