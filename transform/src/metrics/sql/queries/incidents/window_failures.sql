-- The change failure rate's own rows (by deployment date) in the same team/service scope: failed production
-- deployments, and those resting on timing inference alone. slot scope: scopeWhere.
SELECT countIf(failed) AS failed_n, countIf(failed AND failure_methods = ['inferred']) AS inference_only
FROM {{db}}.t_deployment_facts
WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND {{scope}}
