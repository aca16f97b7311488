-- t_failure_links:
-- Failure links, one row per piece of evidence (README, "Failed deployment"). Overrides set by a person win:
-- `reject` removes a link (incident_id '*' = every link of that deployment), `confirm` adds one.
INSERT INTO {{db}}.t_failure_links_next
WITH
prod AS (
    SELECT id, service, sha, deployed_at,
           leadInFrame(toNullable(deployed_at)) OVER (PARTITION BY service ORDER BY deployed_at, id ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_deployed_at
    FROM {{db}}.t_deployments
    WHERE is_production AND status = 'success'
),
cs AS (SELECT deployment_id, service, sha FROM {{db}}.t_change_set_commits),

{{> incident_references}},
incident_shas AS (SELECT id, opened_at, lower(arrayJoin(linked_shas)) AS s FROM {{db}}.t_incidents WHERE notEmpty(linked_shas)),
-- When each production deployment began. One that began after an incident opened cannot have caused it
-- (an incident often names the commit or deployment that fixed it, or a commit whose rollout failed and
-- shipped days later): such a name does not link, as in the references above.
deployment_starts AS (SELECT id, started_at FROM {{db}}.t_deployments WHERE is_production AND status = 'success'),
-- Incidents naming (by a sha prefix of at least 7) a commit of a change set whose deployment had begun when they opened.
commit_links AS (
    SELECT i.id AS incident_id, i.s AS s, c.deployment_id AS deployment_id, c.service AS service
    FROM incident_shas AS i INNER JOIN cs AS c ON substring(c.sha, 1, 7) = substring(i.s, 1, 7)
    INNER JOIN deployment_starts AS ds ON ds.id = c.deployment_id
    WHERE length(i.s) >= 7 AND startsWith(c.sha, i.s) AND ds.started_at <= i.opened_at
),
-- Revert commits with the deployments that shipped them. The reverted commit is looked up by one
-- key made of both sides (service and SHA prefix), so the join-order optimizer cannot join the
-- change sets to themselves on the service alone first (millions of rows squared at large scale:
-- it once spilled tens of GB to disk).
reverting AS (
    SELECT rev.deployment_id AS deployment_id, rev.service AS service, rev.sha AS sha, rc.reverts_sha AS reverts_sha,
           concat(rev.service, '/', substring(rc.reverts_sha, 1, 7)) AS reverted_key
    FROM (SELECT sha, assumeNotNull(reverts_sha) AS reverts_sha FROM {{db}}.commits FINAL WHERE reverts_sha IS NOT NULL) AS rc
    INNER JOIN cs AS rev ON rev.sha = rc.sha
),
overrides AS (
    SELECT deployment_id, incident_id, argMax(verdict, set_at) AS verdict, argMax(note, set_at) AS note, argMax(set_by, set_at) AS set_by
    FROM {{db}}.failure_link_overrides GROUP BY deployment_id, incident_id
),
links AS (
    SELECT r.deployment_id AS deployment_id, p.service AS service, 'explicit' AS method, toNullable(r.incident_id) AS incident_id, CAST(NULL AS Nullable(String)) AS other_deployment_id,
           concat('incident ', r.incident_id, ' names deployment ', r.deployment_id, if(lower(r.deployment_id) = r.ref, '', concat(' (as ', r.ref, ')'))) AS evidence
    FROM resolved_references AS r INNER JOIN prod AS p ON p.id = r.deployment_id

    UNION ALL
    SELECT deployment_id, service, 'explicit', toNullable(incident_id), CAST(NULL AS Nullable(String)),
           concat('incident ', incident_id, ' names commit ', s, ', part of this deployment''s change set')
    FROM commit_links

    UNION ALL
    SELECT s.previous_deployment_id, s.service, 'rollback', CAST(NULL AS Nullable(String)), toNullable(s.deployment_id),
           concat('deployment ', s.deployment_id, ' rolled back to already-deployed ', ifNull(substring(d.sha, 1, 12), '?'))
    FROM {{db}}.t_change_sets AS s
    INNER JOIN {{db}}.t_deployments AS d ON d.id = s.deployment_id
    WHERE s.is_rollback AND s.previous_deployment_id IS NOT NULL

    UNION ALL
    SELECT orig.deployment_id, orig.service, 'revert', CAST(NULL AS Nullable(String)), toNullable(rev.deployment_id),
           concat('commit ', substring(rev.sha, 1, 12), ' in deployment ', rev.deployment_id, ' reverts ', substring(orig.sha, 1, 12))
    FROM reverting AS rev
    INNER JOIN cs AS orig ON concat(orig.service, '/', substring(orig.sha, 1, 7)) = rev.reverted_key
    WHERE startsWith(orig.sha, rev.reverts_sha) AND orig.deployment_id != rev.deployment_id

    UNION ALL
    SELECT p.id, p.service, 'inferred', toNullable(i.id), CAST(NULL AS Nullable(String)),
           concat('incident ', i.id, ' opened ', toString(round(dateDiff('second', p.deployed_at, i.opened_at) / 3600, 1)),
                  ' h after this deployment, before the service''s next one (window ', toString({inferenceWindowHours:Float64}), ' h)')
    -- An incident naming a deployment or commit is not inferred, unless none of what it names was found.
    FROM (SELECT id, service, opened_at FROM {{db}}.t_incidents
          WHERE service != 'unknown' AND {inferIncidentLinks:Bool}
            AND ((empty(linked_deployment_ids) AND empty(linked_shas))
                 OR id NOT IN (SELECT incident_id FROM resolved_references
                               UNION ALL
                               SELECT incident_id FROM commit_links))) AS i
    ASOF INNER JOIN prod AS p ON p.service = i.service AND i.opened_at >= p.deployed_at
    WHERE dateDiff('millisecond', p.deployed_at, i.opened_at) < {inferenceWindowHours:Float64} * 3600000
      AND (p.next_deployed_at IS NULL OR i.opened_at < p.next_deployed_at)

    UNION ALL
    SELECT o.deployment_id, p.service, 'override', toNullable(o.incident_id), CAST(NULL AS Nullable(String)),
           concat('set by ', o.set_by, if(o.note != '', concat(': ', o.note), ''))
    FROM overrides AS o INNER JOIN prod AS p ON p.id = o.deployment_id
    WHERE o.verdict = 'confirm'
)
SELECT l.deployment_id, l.service, l.method, l.incident_id, l.other_deployment_id, l.evidence
FROM links AS l
WHERE (l.deployment_id, '*') NOT IN (SELECT deployment_id, incident_id FROM overrides WHERE verdict = 'reject')
  AND (l.incident_id IS NULL OR (l.deployment_id, assumeNotNull(l.incident_id)) NOT IN (SELECT deployment_id, incident_id FROM overrides WHERE verdict = 'reject') OR l.method = 'override')
  AND (l.incident_id IS NOT NULL OR (l.deployment_id, concat('method:', l.method)) NOT IN (SELECT deployment_id, incident_id FROM overrides WHERE verdict = 'reject'))
