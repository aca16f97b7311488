-- The window's production deployments as ROI's failure sample: how many, failures with no recovery time,
-- and the recovery times of the others (sorted). slot scope: scopeWhere.
SELECT count() AS deployments, countIf(failed AND recovery_hours IS NULL) AS unmeasured,
       arraySort(groupArrayIf(assumeNotNull(recovery_hours), failed AND recovery_hours IS NOT NULL)) AS measured
FROM {{db}}.t_deployment_facts
WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND {{scope}}
