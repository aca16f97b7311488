-- Data health per source of the archive, except generic deliveries (by_sender splits those by who sent them).
SELECT source AS origin, toString(max(received_at)) AS last_received, count() AS deliveries,
       countIf(outcome = 'ignored') AS ignored, countIf(outcome = 'dlq') AS dead_lettered
FROM {{db}}.raw_deliveries FINAL
WHERE source != 'generic'
GROUP BY source ORDER BY source
