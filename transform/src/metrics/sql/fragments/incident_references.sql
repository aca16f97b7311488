-- Incident references (ingest/src/references.ts writes them; docs/metrics.md lists the forms) resolved to
-- production deployments: CTE `resolved_references (incident_id, ref, deployment_id)`. A reference matches a
-- deployment's Paved id, its source's own id (GitHub deployment id or Actions run id) with or without the
-- repository, or its recorded URL; otherwise, when it is a sha prefix of 7 to 40 hex characters (optionally
-- after owner/repo:), the latest production deployment of that commit begun at or before the incident opened.
-- A deployment that began after the incident opened is never matched: it cannot have caused it.
incident_refs AS (
    SELECT id AS incident_id, opened_at, ref,
           extract(ref, '^([a-z0-9_.-]+/[a-z0-9_.-]+):') AS ref_repo,
           extract(ref, '^(?:[a-z0-9_.-]+/[a-z0-9_.-]+:)?([0-9a-f]{7,40})$') AS ref_sha
    FROM (SELECT id, opened_at, lower(arrayJoin(linked_deployment_ids)) AS ref FROM {{db}}.t_incidents WHERE notEmpty(linked_deployment_ids))
),
deployment_keys AS (
    SELECT id AS deployment_id, started_at, arrayJoin(arrayDistinct(arrayFilter(k -> k != '', [
               lower(id),
               if(native = '', '', lower(concat(repo, ':', native))),
               native,
               lower(ifNull(url, ''))]))) AS key
    FROM (
        SELECT id, repo, url, started_at, coalesce(nullIf(extract(id, '^github:[^:]+:([0-9]+)$'), ''), nullIf(extract(id, '^actions:[^:]+:run/([0-9]+)$'), ''), '') AS native
        FROM {{db}}.t_deployments WHERE is_production AND status = 'success'
    )
    -- Only keys some incident wrote: a handful, against every deployment's four.
    WHERE key IN (SELECT ref FROM incident_refs)
),
id_references AS (
    SELECT DISTINCT r.incident_id AS incident_id, r.ref AS ref, k.deployment_id AS deployment_id
    FROM incident_refs AS r INNER JOIN deployment_keys AS k ON k.key = r.ref
    WHERE k.started_at <= r.opened_at
),
sha_references AS (
    SELECT r.incident_id AS incident_id, r.ref AS ref, argMax(d.id, d.deployed_at) AS deployment_id
    FROM incident_refs AS r
    INNER JOIN (SELECT id, lower(repo) AS repo, assumeNotNull(sha) AS sha, started_at, deployed_at FROM {{db}}.t_deployments
                WHERE is_production AND status = 'success' AND sha IS NOT NULL) AS d
      ON substring(d.sha, 1, 7) = substring(r.ref_sha, 1, 7)
    WHERE r.ref_sha != '' AND startsWith(d.sha, r.ref_sha) AND d.started_at <= r.opened_at AND (r.ref_repo = '' OR d.repo = r.ref_repo)
      AND (r.incident_id, r.ref) NOT IN (SELECT incident_id, ref FROM id_references)
    GROUP BY r.incident_id, r.ref
),
resolved_references AS (
    SELECT incident_id, ref, deployment_id FROM id_references
    UNION ALL
    SELECT incident_id, ref, deployment_id FROM sha_references
)
