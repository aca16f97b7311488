-- Sort keys that let the pages' filters skip (docs/operations.md, "Query speed"): incidents are read
-- by team (or service) and opening time, failure links by deployment. ClickHouse cannot change a
-- table's ORDER BY in place (beyond appending new columns), so each table is copied into a twin with
-- the new key, the twin swapped in with EXCHANGE TABLES (atomic: a reader sees the old table or the
-- new one, never neither), and the old one dropped. Every step can run again after a crash half-way:
-- the twin is dropped first, and a copy made after the swap copies the already re-sorted table.
-- The transform fills `_next` twins created AS the table, so later rebuilds keep the new keys.
-- On a cluster the copy goes through the Distributed tables (synchronously) and the swap exchanges
-- the local tables on every node (warehouse/migrate.ts renders both).

DROP TABLE IF EXISTS {{db}}.t_incidents_resort {{on_cluster}};
CREATE TABLE IF NOT EXISTS {{db}}.t_incidents_resort {{on_cluster}} AS {{db}}.t_incidents
ENGINE = MergeTree
ORDER BY (team, service, opened_at, id);
INSERT INTO {{db}}.t_incidents_resort SELECT * FROM {{db}}.t_incidents SETTINGS insert_distributed_sync = 1;
EXCHANGE TABLES {{db}}.t_incidents AND {{db}}.t_incidents_resort {{on_cluster}};
DROP TABLE IF EXISTS {{db}}.t_incidents_resort {{on_cluster}};

DROP TABLE IF EXISTS {{db}}.t_failure_links_resort {{on_cluster}};
CREATE TABLE IF NOT EXISTS {{db}}.t_failure_links_resort {{on_cluster}} AS {{db}}.t_failure_links
ENGINE = MergeTree
ORDER BY (deployment_id, method, service);
INSERT INTO {{db}}.t_failure_links_resort SELECT * FROM {{db}}.t_failure_links SETTINGS insert_distributed_sync = 1;
EXCHANGE TABLES {{db}}.t_failure_links AND {{db}}.t_failure_links_resort {{on_cluster}};
DROP TABLE IF EXISTS {{db}}.t_failure_links_resort {{on_cluster}};
