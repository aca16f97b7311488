-- t_dora_daily:
-- The DORA answer's rows per team, service and day (migration 0015): production deployments and their
-- failure, recovery and rework from t_deployment_facts, lead times from t_changes (by deployment day),
-- resolved incidents from t_incidents (by opening day), and one row per catalog service (day 1970-01-01).
-- Arrays are sorted, so a row is the same whichever way it was computed.
INSERT INTO {{db}}.t_dora_daily_next
WITH
cataloged AS (
    SELECT service, ifNull(team, 'unassigned') AS team,
           (source_template IS NOT NULL OR mapContains(annotations, 'backstage.io/source-template')) AS golden_path
    FROM {{db}}.catalog_entities FINAL
    WHERE ifNull(lifecycle, '') != 'deprecated'
),
day_rows AS (
    SELECT team, service, golden_path, toDate(deployed_at) AS day, false AS catalog_row,
           toUInt32(count()) AS n_deployments, toUInt32(countIf(failed)) AS n_failed,
           toUInt32(countIf(failed AND recovery_hours IS NOT NULL)) AS n_recovered, toUInt32(countIf(rework)) AS n_rework,
           groupArrayIf(assumeNotNull(recovery_hours), failed AND recovery_hours IS NOT NULL) AS recovery_list,
           CAST([], 'Array(Float64)') AS lead_list, toUInt32(0) AS n_incidents, CAST([], 'Array(Float64)') AS restore_list
    FROM {{db}}.t_deployment_facts
    GROUP BY team, service, golden_path, day
    UNION ALL
    SELECT team, service, golden_path, toDate(deployed_at) AS day, false, 0, 0, 0, 0, [], groupArray(assumeNotNull(lead_hours)), 0, []
    FROM {{db}}.t_changes WHERE lead_hours > 0
    GROUP BY team, service, golden_path, day
    UNION ALL
    SELECT team, service, golden_path, toDate(opened_at) AS day, false, 0, 0, 0, 0, [], [], toUInt32(count()),
           groupArray(dateDiff('millisecond', opened_at, assumeNotNull(resolved_at)) / 3600000)
    FROM {{db}}.t_incidents WHERE resolved_at IS NOT NULL
    GROUP BY team, service, golden_path, day
    UNION ALL
    SELECT team, service, golden_path, toDate(0) AS day, true, 0, 0, 0, 0, [], [], 0, []
    FROM cataloged
)
SELECT r.team AS team, r.service AS service, r.golden_path AS golden_path, r.day AS day,
       -- A service in the catalog (not deprecated) has its catalog team and golden path; any other service those of its deployments.
       if(c.service = '', r.team, c.team) AS catalog_team, if(c.service = '', r.golden_path, c.golden_path) AS catalog_golden,
       r.catalog_row AS catalog_row, r.deployments AS deployments, r.failed AS failed, r.recovered AS recovered, r.rework AS rework,
       r.recovery_hours AS recovery_hours, r.lead_hours AS lead_hours, r.incidents AS incidents, r.restore_hours AS restore_hours
FROM (
    SELECT team, service, golden_path, day, max(catalog_row) AS catalog_row,
           sum(n_deployments) AS deployments, sum(n_failed) AS failed, sum(n_recovered) AS recovered, sum(n_rework) AS rework,
           arraySort(groupArrayArray(recovery_list)) AS recovery_hours, arraySort(groupArrayArray(lead_list)) AS lead_hours,
           sum(n_incidents) AS incidents, arraySort(groupArrayArray(restore_list)) AS restore_hours
    FROM day_rows
    GROUP BY team, service, golden_path, day
) AS r
LEFT JOIN cataloged AS c ON c.service = r.service
SETTINGS join_use_nulls = 0, max_partitions_per_insert_block = 0
