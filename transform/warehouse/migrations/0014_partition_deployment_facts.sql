-- Deployment facts partitioned by month of deployment (docs/operations.md, "Freshness"). An
-- increment changes the facts of a few deployments, nearly always recent ones (a new deployment and
-- the one before it, whose next deployment and recovery change): with partitions it copies the
-- untouched rows of the touched months into the `_next` twin and swaps only those partitions in
-- (ALTER TABLE … REPLACE PARTITION, atomic per partition), instead of copying the whole table. The
-- table is copied into a twin with the partition key and swapped in with EXCHANGE TABLES, as in
-- 0011; the transform's twins are created AS the table, so later rebuilds keep the partitions.
-- A history longer than 100 months would exceed ClickHouse's default limit of partitions one INSERT
-- may write (max_partitions_per_insert_block): the copy and the rebuild statement lift it.

DROP TABLE IF EXISTS {{db}}.t_deployment_facts_resort {{on_cluster}};
CREATE TABLE IF NOT EXISTS {{db}}.t_deployment_facts_resort {{on_cluster}} AS {{db}}.t_deployment_facts
ENGINE = MergeTree
PARTITION BY toYYYYMM(deployed_at)
ORDER BY (team, service, deployed_at, id);
INSERT INTO {{db}}.t_deployment_facts_resort SELECT * FROM {{db}}.t_deployment_facts SETTINGS insert_distributed_sync = 1, max_partitions_per_insert_block = 0;
EXCHANGE TABLES {{db}}.t_deployment_facts AND {{db}}.t_deployment_facts_resort {{on_cluster}};
DROP TABLE IF EXISTS {{db}}.t_deployment_facts_resort {{on_cluster}};
