-- An initiative's difference in differences, deployments side: per group (treated: the listed teams or
-- services; control: the rest) and period (before or after the start parameter), deployments, failures and recovery p50.
SELECT toUInt8(has({teams:Array(String)}, team) OR has({services:Array(String)}, service)) AS treated,
       toUInt8(deployed_at >= {start:DateTime64(3, 'UTC')}) AS after,
       count() AS deployments, countIf(failed) AS failed_n, countIf(failed AND recovery_hours IS NOT NULL) AS recovered_n,
       quantileExactInclusiveIf(0.5)(assumeNotNull(recovery_hours), failed AND recovery_hours IS NOT NULL) AS recovery_p50
FROM {{db}}.t_deployment_facts
WHERE deployed_at >= {before:DateTime64(3, 'UTC')} AND deployed_at < {end:DateTime64(3, 'UTC')}
GROUP BY treated, after
