-- The five keys and deployment frequency per service for a team or the organisation, in one statement that
-- reads t_deployment_facts once: facts grouped by service and week, then by service; the catalog's services in
-- scope joined FULL, so one aggregation gives the totals (every service with deployments) and, over the
-- catalog's services only (0 deployments when none), the medians of deployments and of median deploy days per
-- whole week. Exact quantiles merged from states are the quantiles of all the values. slot scope: scopeWhere.
WITH {{> service_catalog}}
SELECT d.deployments AS deployments, d.deploy_days_p50 AS deploy_days_p50, l.changes AS changes, l.lead_quantiles AS lead_quantiles,
       d.failed_deployments AS failed_deployments, r.incidents AS incidents, r.restore_p50 AS restore_p50,
       d.recovered_failures AS recovered_failures, d.recovery_p50 AS recovery_p50, d.rework_deployments AS rework_deployments,
       d.services AS services, d.deployments_p50 AS deployments_p50, d.per_service_deploy_days_p50 AS per_service_deploy_days_p50
FROM
    (SELECT sum(s_n) AS deployments, sum(s_failed) AS failed_deployments, sum(s_recovered) AS recovered_failures,
            if(recovered_failures = 0, NULL, quantileExactInclusiveMerge(0.5)(s_recovery)) AS recovery_p50,
            sum(s_rework) AS rework_deployments,
            arrayMap(x -> toMonday(x), groupUniqArrayArray(s_dates)) AS deploy_day_weeks,
            if({whole_weeks:Int64} = 0, NULL, arrayReduce('quantileExactInclusive(0.5)',
                arrayMap(i -> toFloat64(countEqual(deploy_day_weeks, {first_monday:Date} + 7 * i)), range(toUInt64({whole_weeks:Int64}))))) AS deploy_days_p50,
            countIf(in_catalog = 1) AS services,
            if(services = 0, NULL, quantileExactInclusiveIf(0.5)(toFloat64(s_n), in_catalog = 1)) AS deployments_p50,
            if(services = 0 OR {whole_weeks:Int64} = 0, NULL, quantileExactInclusiveIf(0.5)(days_p50, in_catalog = 1)) AS per_service_deploy_days_p50
     FROM (
         SELECT c.in_catalog AS in_catalog, f.s_n AS s_n, f.s_failed AS s_failed, f.s_recovered AS s_recovered, f.s_rework AS s_rework,
                f.s_recovery AS s_recovery, f.s_dates AS s_dates,
                arrayReduce('quantileExactInclusive(0.5)', arrayConcat(f.week_days, arrayWithConstant(toUInt64(greatest(0, {whole_weeks:Int64} - length(f.week_days))), toFloat64(0)))) AS days_p50
         FROM (SELECT service, toUInt8(1) AS in_catalog FROM service_catalog WHERE {{scope}}) AS c
         FULL OUTER JOIN (
             SELECT service, sum(n) AS s_n, sum(failed_n) AS s_failed, sum(recovered_n) AS s_recovered, sum(rework_n) AS s_rework,
                    quantileExactInclusiveMergeState(0.5)(recovery) AS s_recovery, groupUniqArrayArray(dates) AS s_dates,
                    groupArrayIf(toFloat64(length(dates)), whole) AS week_days
             FROM (
                 SELECT service, toMonday(toDate(deployed_at)) AS week, count() AS n, countIf(failed) AS failed_n,
                        countIf(failed AND recovery_hours IS NOT NULL) AS recovered_n, countIf(rework) AS rework_n,
                        quantileExactInclusiveStateIf(0.5)(ifNull(recovery_hours, 0), failed AND recovery_hours IS NOT NULL) AS recovery,
                        groupUniqArray(toDate(deployed_at)) AS dates,
                        week >= {first_monday:Date} AND week + 7 <= toDate({to:DateTime64(3, 'UTC')}) AS whole
                 FROM {{db}}.t_deployment_facts WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND {{scope}} GROUP BY service, week
             )
             GROUP BY service
         ) AS f ON f.service = c.service
         SETTINGS join_use_nulls = 0
     )) AS d
CROSS JOIN
{{> dora_changes_and_incidents}}
