-- The five keys for one service (or any scope without the catalog's per-service medians), each source table
-- read once. Weekly deploy days come from the same scan of t_deployment_facts as the counts: the distinct
-- deployment days, as the Mondays of their weeks, counted for each whole week of the window (0 for a week
-- without one); their median. first_monday and whole_weeks are computed in dora.ts (wholeWeeksOf).
-- slot scope: scopeWhere.
SELECT d.deployments AS deployments, d.deploy_days_p50 AS deploy_days_p50, l.changes AS changes, l.lead_quantiles AS lead_quantiles,
       d.failed_deployments AS failed_deployments, r.incidents AS incidents, r.restore_p50 AS restore_p50,
       d.recovered_failures AS recovered_failures, d.recovery_p50 AS recovery_p50, d.rework_deployments AS rework_deployments
FROM
    (SELECT count() AS deployments, countIf(failed) AS failed_deployments, countIf(failed AND recovery_hours IS NOT NULL) AS recovered_failures,
            if(recovered_failures = 0, NULL, quantileExactInclusiveIf(0.5)(ifNull(recovery_hours, 0), failed AND recovery_hours IS NOT NULL)) AS recovery_p50,
            countIf(rework) AS rework_deployments,
            arrayMap(x -> toMonday(x), groupUniqArray(toDate(deployed_at))) AS deploy_day_weeks,
            if({whole_weeks:Int64} = 0, NULL, arrayReduce('quantileExactInclusive(0.5)',
                arrayMap(i -> toFloat64(countEqual(deploy_day_weeks, {first_monday:Date} + 7 * i)), range(toUInt64({whole_weeks:Int64}))))) AS deploy_days_p50
     FROM {{db}}.t_deployment_facts WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND {{scope}}) AS d
CROSS JOIN
{{> dora_changes_and_incidents}}
