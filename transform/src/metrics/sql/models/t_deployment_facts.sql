-- t_deployment_facts:
-- Per production deployment: failure, recovery and rework, the rows behind CFR, recovery time and rework
-- rate.
INSERT INTO {{db}}.t_deployment_facts_next
WITH
prod AS (
    SELECT *, leadInFrame(toNullable(deployed_at)) OVER (PARTITION BY service ORDER BY deployed_at, id ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_deployed_at
    FROM {{db}}.t_deployments WHERE is_production AND status = 'success'
),
links AS (SELECT deployment_id, groupUniqArray(method) AS methods FROM {{db}}.t_failure_links GROUP BY deployment_id),
incident_links AS (
    SELECT l.deployment_id AS deployment_id, count() AS n, countIf(i.resolved_at IS NOT NULL) AS resolved, max(i.resolved_at) AS last_resolved
    FROM (SELECT DISTINCT deployment_id, assumeNotNull(incident_id) AS incident_id FROM {{db}}.t_failure_links WHERE incident_id IS NOT NULL) AS l
    INNER JOIN {{db}}.t_incidents AS i ON i.id = l.incident_id
    GROUP BY l.deployment_id
),
rework_commits AS (SELECT deployment_id, max(is_revert) AS has_revert, max(fix_pr) AS has_fix FROM {{db}}.t_changes GROUP BY deployment_id),
facts AS (
    SELECT
        p.id AS id, p.repo AS repo, p.service AS service, p.team AS team, p.golden_path AS golden_path, p.via_platform AS via_platform,
        p.deployed_at AS deployed_at, p.sha AS sha, p.next_deployed_at AS next_deployed_at,
        if(cs.deployment_id = '', 'unknown', cs.method) AS change_set_method, cs.commits AS commits,
        notEmpty(l.methods) AS failed, l.methods AS failure_methods,
        il.n AS linked_incidents, il.resolved AS resolved_incidents,
        multiIf(il.n > 0 AND il.resolved = il.n, toNullable(il.last_resolved), il.n > 0, NULL, notEmpty(l.methods), p.next_deployed_at, NULL) AS recovery_at,
        rc.has_revert AS has_revert, rc.has_fix AS has_fix, cs.is_rollback AS is_rollback,
        p.creator_login AS creator_login, p.workflow_name AS workflow_name, p.url AS url
    FROM prod AS p
    LEFT JOIN {{db}}.t_change_sets AS cs ON cs.deployment_id = p.id
    LEFT JOIN links AS l ON l.deployment_id = p.id
    LEFT JOIN incident_links AS il ON il.deployment_id = p.id
    LEFT JOIN rework_commits AS rc ON rc.deployment_id = p.id
    SETTINGS join_use_nulls = 0
)
SELECT
    id, repo, service, team, golden_path, via_platform, deployed_at, sha, next_deployed_at, change_set_method, commits, failed, failure_methods,
    linked_incidents, resolved_incidents, recovery_at,
    -- Never below 0: an incident that opened once the rollout began may be resolved before its success status.
    if(failed AND recovery_at IS NOT NULL, greatest(0, dateDiff('millisecond', deployed_at, assumeNotNull(recovery_at))) / 3600000, NULL) AS recovery_hours,
    (has_revert OR has_fix OR is_rollback) AS rework,
    arrayFilter(x -> x != '', [if(has_revert, 'revert', ''), if(has_fix, 'fix_label', ''), if(is_rollback, 'rollback', '')]) AS rework_reasons,
    is_rollback, creator_login, workflow_name, url
FROM facts
-- Partitioned by month (migration 0014): a long history writes more than the default 100 partitions.
SETTINGS max_partitions_per_insert_block = 0
