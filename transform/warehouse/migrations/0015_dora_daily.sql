-- The DORA answer's rows per team, service and day (docs/operations.md, "Query speed"): what the
-- team and organisation statement reads, from one table instead of five (t_deployment_facts,
-- t_changes, t_incidents and the catalog's two sources). In the embedded engine a statement's fixed
-- cost (parse, analyse, plan) grows with every table it reads, and for one team's 90 days that cost,
-- not the rows, was most of a first read. Values are kept whole (recovery, lead and restore hours as
-- sorted arrays), so every quantile is still exact. Rows of kind `catalog_row` (day 1970-01-01) are
-- the catalog's services that are not deprecated, so services without deployments count too.
-- Partitioned by month: an increment replaces only the months it touched (as t_deployment_facts, 0014).
-- Filled by the next transform: the changed definitions make it a full rebuild.
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
