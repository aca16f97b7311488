-- Generic deliveries by who sent them: Argo CD and Flux post to /webhooks/deployments like any script.
-- Only generic bodies are read (the sort key starts with source, so the rest is skipped).
SELECT multiIf(
         JSONExtractString(payload, 'source_system') = 'argocd' OR position(payload, '"argoproj.io/') > 0, 'argocd',
         JSONExtractString(payload, 'source_system') = 'flux' OR (JSONHas(payload, 'involvedObject') AND JSONHas(payload, 'reportingController')), 'flux',
         'generic') AS origin,
       toString(max(received_at)) AS last_received, count() AS deliveries,
       countIf(outcome = 'ignored') AS ignored, countIf(outcome = 'dlq') AS dead_lettered
FROM {{db}}.raw_deliveries FINAL
WHERE source = 'generic'
GROUP BY origin ORDER BY origin
