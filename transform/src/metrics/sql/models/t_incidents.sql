-- t_incidents: incident updates folded into one row per incident; GitHub incidents map to a service through
-- their repository.
INSERT INTO {{db}}.t_incidents_next
WITH
folded AS (
    SELECT
        id,
        any(source) AS source,
        nullIf(argMaxIf(assumeNotNull(service), updated_at, isNotNull(service)), '') AS sender_service,
        nullIf(argMaxIf(assumeNotNull(repo), updated_at, isNotNull(repo)), '') AS repo,
        argMax(severity, (severity != 'unknown', updated_at)) AS severity,
        argMax(title, updated_at) AS title,
        argMax(status, (updated_at, status = 'resolved')) AS status,
        min(opened_at) AS opened_at,
        minIf(assumeNotNull(acknowledged_at), isNotNull(acknowledged_at)) AS ack_at,
        countIf(isNotNull(acknowledged_at)) > 0 AS has_ack,
        maxIf(assumeNotNull(resolved_at), isNotNull(resolved_at)) AS resolved_at_max,
        groupUniqArrayArray(linked_deployment_ids) AS linked_deployment_ids,
        groupUniqArrayArray(linked_shas) AS linked_shas,
        nullIf(argMaxIf(assumeNotNull(url), updated_at, isNotNull(url)), '') AS url
    FROM {{db}}.incident_updates FINAL
    GROUP BY id
),

{{> catalog_mapping}},
repo_services AS (
    SELECT repo, any(service) AS service FROM catalog WHERE repo != '' GROUP BY repo HAVING count() = 1
),
overrides AS (
    SELECT key, argMax(service, set_at) AS service FROM {{db}}.mapping_overrides WHERE kind = 'incident' GROUP BY key
),
resolved AS (
    SELECT
        f.id AS id, f.source AS source, f.severity AS severity, f.title AS title, f.status AS status, f.opened_at AS opened_at,
        f.ack_at AS ack_at, f.has_ack AS has_ack, f.resolved_at_max AS resolved_at_max, f.linked_deployment_ids AS linked_deployment_ids,
        f.linked_shas AS linked_shas, f.url AS url,
        multiIf(o.service != '', o.service, f.sender_service IS NOT NULL, assumeNotNull(f.sender_service), rs.service != '', rs.service,
                f.repo IS NOT NULL, assumeNotNull(f.repo), 'unknown') AS service
    FROM folded AS f
    LEFT JOIN repo_services AS rs ON rs.repo = ifNull(f.repo, '')
    LEFT JOIN overrides AS o ON o.key = f.id
)
SELECT
    r.id, r.source, r.service, if(c.team != '', c.team, 'unassigned') AS team, ifNull(c.golden_path, false) AS golden_path, r.severity, r.title,
    r.status,
    r.opened_at,
    if(r.has_ack, r.ack_at, NULL) AS acknowledged_at,
    -- A reopened incident (latest status not resolved) has no resolution.
    if(r.status = 'resolved' AND r.resolved_at_max > toDateTime64(0, 3, 'UTC'), r.resolved_at_max, NULL) AS resolved_at,
    r.linked_deployment_ids, r.linked_shas, r.url
FROM resolved AS r
LEFT JOIN catalog AS c ON c.service = r.service
SETTINGS join_use_nulls = 0
