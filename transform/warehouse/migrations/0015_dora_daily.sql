-- The DORA answer's rows per team, service and day (docs/operations.md, "Query speed"): what the
-- team and organisation statement reads, from one table instead of five (t_deployment_facts,
-- t_changes, t_incidents and the catalog's two sources). In the embedded engine a statement's fixed
-- cost (parse, analyse, plan) grows with every table it reads, and for one team's 90 days that cost,
-- not the rows, was most of a first read. Values are kept whole (recovery, lead and restore hours as
-- sorted arrays), so every quantile is still exact. Rows of kind `catalog_row` (day 1970-01-01) are
-- the catalog's services that are not deprecated, so services without deployments count too.
-- Partitioned by month: an increment replaces only the months it touched (as t_deployment_facts, 0014).
-- Filled here from the derived tables as they stand (the statement of models/t_dora_daily.sql as it
-- was when this migration was written), so the DORA pages keep their numbers until the next
-- transform, which the changed definitions make a full rebuild, builds it again.
CREATE TABLE IF NOT EXISTS {{db}}.t_dora_daily {{on_cluster}}
(
    team String,
    service String,
    golden_path Bool,
    day Date,
    -- The service's team and golden path as the catalog of services resolves them (fragments/service_catalog.sql).
    catalog_team String,
    catalog_golden Bool,
    catalog_row Bool,
    deployments UInt32,
    failed UInt32,
    recovered UInt32,
    rework UInt32,
    recovery_hours Array(Float64),
    lead_hours Array(Float64),
    incidents UInt32,
    restore_hours Array(Float64)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (team, day, service, golden_path);

INSERT INTO {{db}}.t_dora_daily
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
-- Once: a migration stopped after this statement and run again must not add the rows twice.
WHERE (SELECT count() FROM {{db}}.t_dora_daily) = 0
SETTINGS join_use_nulls = 0, max_partitions_per_insert_block = 0, insert_distributed_sync = 1;
