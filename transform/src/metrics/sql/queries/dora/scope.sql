-- The five keys and deployment frequency per service for a team or the organisation, in one statement on one
-- table, t_dora_daily (the DORA rows per team, service and day; migration 0015): in the embedded engine a
-- statement's fixed cost grows with each table it reads, and for a team's 90 days that cost was most of a
-- first read. Rows in scope and window give the totals; the catalog's services in scope (those of the catalog
-- that are not deprecated, and those deployed to production in the window or the 12 months before its end, as
-- fragments/service_catalog.sql defines the catalog) give the medians over services (0 deployments when none).
-- Quantiles are exact: the rows keep every value. slots: scope (scopeWhere), catalog_scope (the same on the
-- catalog's team and golden path).
SELECT sum(s_n) AS deployments,
       if({whole_weeks:Int64} = 0, NULL, arrayReduce('quantileExactInclusive(0.5)', arrayMap(i -> toFloat64(countEqual(
           arrayMap(x -> toMonday(x), groupUniqArrayArray(s_days)), {first_monday:Date} + 7 * i)), range(toUInt64({whole_weeks:Int64}))))) AS deploy_days_p50,
       sum(length(s_lead)) AS changes,
       if(changes = 0, [], quantilesExactInclusiveArray(0.5, 0.75, 0.9)(s_lead)) AS lead_quantiles,
       sum(s_failed) AS failed_deployments,
       sum(s_incidents) AS incidents,
       if(incidents = 0, NULL, quantileExactInclusiveArray(0.5)(s_restore)) AS restore_p50,
       sum(s_recovered) AS recovered_failures,
       if(recovered_failures = 0, NULL, quantileExactInclusiveArray(0.5)(s_recovery)) AS recovery_p50,
       sum(s_rework) AS rework_deployments,
       countIf(in_catalog) AS services,
       if(services = 0, NULL, quantileExactInclusiveIf(0.5)(toFloat64(s_n), in_catalog)) AS deployments_p50,
       if(services = 0 OR {whole_weeks:Int64} = 0, NULL, quantileExactInclusiveIf(0.5)(days_p50, in_catalog)) AS per_service_deploy_days_p50
FROM (
    SELECT service, sumIf(deployments, in_scope) AS s_n, sumIf(failed, in_scope) AS s_failed, sumIf(recovered, in_scope) AS s_recovered,
           sumIf(rework, in_scope) AS s_rework, groupArrayArrayIf(recovery_hours, in_scope) AS s_recovery,
           groupArrayArrayIf(lead_hours, in_scope) AS s_lead, sumIf(incidents, in_scope) AS s_incidents,
           groupArrayArrayIf(restore_hours, in_scope) AS s_restore, groupUniqArrayIf(day, in_scope AND deployments > 0) AS s_days,
           -- The median over the window's whole weeks (Monday to Sunday) of the days with a deployment, weeks without one counting 0.
           arrayReduce('quantileExactInclusive(0.5)', arrayMap(i -> toFloat64(countEqual(arrayMap(x -> toMonday(x), s_days), {first_monday:Date} + 7 * i)),
                                                               range(toUInt64({whole_weeks:Int64})))) AS days_p50,
           max(catalog_member) AS in_catalog
    FROM (
        SELECT service, day, deployments, failed, recovered, rework, recovery_hours, lead_hours, incidents, restore_hours,
               ({{scope}}) AND day >= {from_day:Date} AND day < {to_day:Date} AS in_scope,
               ({{catalog_scope}}) AND (catalog_row OR (deployments > 0 AND service != 'unknown'
                   AND day >= least({from_day:Date}, subtractMonths({to_day:Date}, 12)) AND day < {to_day:Date})) AS catalog_member
        FROM {{db}}.t_dora_daily
        WHERE (({{scope}}) AND day >= {from_day:Date} AND day < {to_day:Date})
           OR (({{catalog_scope}}) AND (catalog_row OR (day >= least({from_day:Date}, subtractMonths({to_day:Date}, 12)) AND day < {to_day:Date})))
    )
    GROUP BY service
)
