-- t_deployments: deployment statuses folded into one row per deployment, mapped to a service (override, sender,
-- catalog path, repository) and team. The final status ignores `inactive` (GitHub marks a successful deployment
-- inactive once a newer one replaces it); the deployment time is that of the success status.
INSERT INTO {{db}}.t_deployments_next
WITH
folded AS (
    SELECT
        id,
        argMax(repo, (repo NOT IN ('unknown', ''), status_at)) AS repo,
        nullIf(argMaxIf(assumeNotNull(service), status_at, isNotNull(service)), '') AS sender_service,
        replaceRegexpAll(argMaxIf(assumeNotNull(path), status_at, isNotNull(path)), '^/+|/+$', '') AS path,
        argMax(environment, status_at) AS environment,
        nullIf(argMaxIf(assumeNotNull(sha), status_at, isNotNull(sha)), '') AS sha,
        if(countIf(status != 'inactive') > 0, argMaxIf(status, (status_at, status IN ('success', 'failure', 'error')), status != 'inactive'), 'inactive') AS final_status,
        min(started_at) AS started_at,
        maxIf(status_at, status = 'success') AS success_at,
        max(status_at) AS last_status_at,
        nullIf(argMaxIf(assumeNotNull(creator_login), status_at, isNotNull(creator_login)), '') AS creator_login,
        nullIf(argMaxIf(assumeNotNull(workflow_name), status_at, isNotNull(workflow_name)), '') AS workflow_name,
        any(source_system) AS source_system,
        nullIf(argMaxIf(assumeNotNull(url), status_at, isNotNull(url)), '') AS url
    FROM {{db}}.deployment_statuses FINAL
    GROUP BY id
),

{{> catalog_mapping}},
mapped AS (
    SELECT f.id AS id, argMax(c.service, length(c.path)) AS service
    FROM folded AS f
    INNER JOIN catalog AS c ON c.repo = f.repo
    WHERE c.path = '' OR f.path = c.path OR startsWith(f.path, concat(c.path, '/'))
    GROUP BY f.id
),
overrides AS (
    SELECT kind, key, argMax(service, set_at) AS service FROM {{db}}.mapping_overrides GROUP BY kind, key
),
resolved AS (
    SELECT
        f.id AS id, f.repo AS repo, f.sender_service AS sender_service, f.path AS path, f.environment AS environment, f.sha AS sha,
        f.final_status AS final_status, f.started_at AS started_at, f.success_at AS success_at, f.last_status_at AS last_status_at,
        f.creator_login AS creator_login, f.workflow_name AS workflow_name, f.source_system AS source_system, f.url AS url,
        multiIf(od.service != '', od.service, orp.service != '', orp.service, f.sender_service IS NOT NULL, assumeNotNull(f.sender_service),
                m.service != '', m.service, f.repo NOT IN ('', 'unknown'), f.repo, 'unknown') AS service,
        multiIf(od.service != '' OR orp.service != '', 'override', f.sender_service IS NOT NULL, 'sender', m.service != '', 'catalog',
                f.repo NOT IN ('', 'unknown'), 'repo', 'unknown') AS service_via
    FROM folded AS f
    LEFT JOIN mapped AS m ON m.id = f.id
    LEFT JOIN (SELECT key, service FROM overrides WHERE kind = 'deployment') AS od ON od.key = f.id
    LEFT JOIN (SELECT key, service FROM overrides WHERE kind = 'repo') AS orp ON orp.key = f.repo
)
SELECT
    r.id, r.repo, r.service, r.service_via,
    if(c.team != '', c.team, 'unassigned') AS team,
    r.environment,
    (r.environment = '' OR match(r.environment, concat('(?i)', {productionPattern:String}))) AS is_production,
    r.sha, r.final_status AS status, r.started_at,
    if(r.final_status = 'success', r.success_at, r.last_status_at) AS deployed_at,
    r.creator_login, r.workflow_name, r.source_system,
    ifNull(c.golden_path, false) AS golden_path,
    (({platformWorkflowPattern:String} != '' AND match(ifNull(r.workflow_name, ''), concat('(?i)', {platformWorkflowPattern:String})))
        OR has({platformCreators:Array(String)}, ifNull(r.creator_login, ''))) AS via_platform,
    r.url
FROM resolved AS r
LEFT JOIN catalog AS c ON c.service = r.service
SETTINGS join_use_nulls = 0
