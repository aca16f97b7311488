-- The Overview's Data freshness card: the last delivery per source.
SELECT source, toString(max(received_at)) AS last_received, count() AS deliveries
FROM {{db}}.raw_deliveries FINAL
GROUP BY source ORDER BY source
