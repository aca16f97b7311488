import { CATALOG_CTE } from './sql-deployments.js';
import { sqlFragment } from './sql-files.js';

/**
 * Incident references (ingest/src/references.ts writes them; docs/metrics.md lists the forms) resolved
 * to production deployments: CTE `resolved_references (incident_id, ref, deployment_id)`. A reference
 * matches a deployment's Paved id, its source's own id (GitHub deployment id or Actions run id) with
 * or without the repository, or its recorded URL; otherwise, when it is a sha prefix of 7 to 40 hex
 * characters (optionally after owner/repo:), the latest production deployment of that commit at or
 * before the incident opened. The text is fragments/incident_references.sql.
 */
export const INCIDENT_REFERENCE_CTES = `\n${sqlFragment('incident_references')}`;

/**
 * Failure links, one row per piece of evidence (README, "Failed deployment"). Overrides set by a
 * person win: `reject` removes a link (incident_id '*' = every link of that deployment),
 * `confirm` adds one.
 */
export const REBUILD_FAILURE_LINKS = `
INSERT INTO {{db}}.t_failure_links_next
WITH
prod AS (
    SELECT id, service, sha, deployed_at,
           leadInFrame(toNullable(deployed_at)) OVER (PARTITION BY service ORDER BY deployed_at, id ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_deployed_at
    FROM {{db}}.t_deployments
    WHERE is_production AND status = 'success'
),
cs AS (SELECT deployment_id, service, sha FROM {{db}}.t_change_set_commits),
${INCIDENT_REFERENCE_CTES},
incident_shas AS (SELECT id, lower(arrayJoin(linked_shas)) AS s FROM {{db}}.t_incidents WHERE notEmpty(linked_shas)),
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
    SELECT c.deployment_id, c.service, 'explicit', toNullable(i.id), CAST(NULL AS Nullable(String)),
           concat('incident ', i.id, ' names commit ', i.s, ', part of this deployment''s change set')
    FROM incident_shas AS i INNER JOIN cs AS c ON substring(c.sha, 1, 7) = substring(i.s, 1, 7)
    WHERE length(i.s) >= 7 AND startsWith(c.sha, i.s)

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
                               SELECT i.id FROM incident_shas AS i INNER JOIN cs AS c ON substring(c.sha, 1, 7) = substring(i.s, 1, 7)
                               WHERE length(i.s) >= 7 AND startsWith(c.sha, i.s)))) AS i
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
`;

/** PR flow: coding (first commit → opened), pickup (→ first review by someone else, bots excluded), review (→ merge), deploy (→ first production deployment shipping it). */
export const REBUILD_PR_FLOW = `
INSERT INTO {{db}}.t_pr_flow_next
WITH
prs AS (SELECT * FROM {{db}}.pull_requests FINAL WHERE state = 'merged' AND merged_at IS NOT NULL),
first_reviews AS (
    SELECT r.repo AS repo, r.pr_number AS number, min(r.submitted_at) AS first_review_at
    FROM {{db}}.reviews AS r FINAL
    INNER JOIN prs AS p ON p.repo = r.repo AND p.number = r.pr_number
    WHERE NOT r.reviewer_bot AND ifNull(r.reviewer_login, '') != ifNull(p.author_login, '') AND r.state != 'pending'
    GROUP BY r.repo, r.pr_number
),
pr_commit_shas AS (
    SELECT repo, number, sha FROM {{db}}.pull_request_commits
    UNION ALL
    SELECT repo, number, assumeNotNull(merge_commit_sha) FROM prs WHERE merge_commit_sha IS NOT NULL
    UNION ALL
    SELECT repo, number, assumeNotNull(head_sha) FROM prs WHERE head_sha IS NOT NULL
),
first_commits AS (
    SELECT s.repo AS repo, s.number AS number, min(c.authored_at) AS first_commit_at
    FROM pr_commit_shas AS s INNER JOIN {{db}}.commits AS c ON c.repo = s.repo AND c.sha = s.sha
    GROUP BY s.repo, s.number
),
shipped AS (
    SELECT s.repo AS repo, s.number AS number, argMin(d.id, d.deployed_at) AS deployment_id, min(d.deployed_at) AS deployed_at
    FROM pr_commit_shas AS s
    INNER JOIN {{db}}.t_change_set_commits AS cs ON cs.repo = s.repo AND cs.sha = s.sha
    INNER JOIN {{db}}.t_deployments AS d ON d.id = cs.deployment_id
    GROUP BY s.repo, s.number
),
${CATALOG_CTE},
repo_services AS (SELECT repo, any(service) AS service, any(team) AS team FROM catalog WHERE repo != '' GROUP BY repo)
SELECT
    p.repo, p.number, p.title, p.author_login, p.author_bot,
    if(rs.service != '', rs.service, p.repo) AS service,
    if(rs.team != '', rs.team, 'unassigned') AS team,
    p.labels,
    coalesce(p.first_commit_at, if(fc.number = 0, NULL, fc.first_commit_at)) AS first_commit_at,
    p.opened_at,
    coalesce(p.first_review_at, if(fr.number = 0, NULL, fr.first_review_at)) AS first_review_at,
    assumeNotNull(p.merged_at) AS merged_at,
    if(sh.number = 0, NULL, sh.deployed_at) AS deployed_at,
    if(sh.number = 0, NULL, sh.deployment_id) AS deployment_id,
    if(first_commit_at IS NULL, NULL, greatest(0, dateDiff('second', first_commit_at, p.opened_at)) / 3600) AS coding_hours,
    if(first_review_at IS NULL, NULL, greatest(0, dateDiff('second', p.opened_at, first_review_at)) / 3600) AS pickup_hours,
    if(first_review_at IS NULL, NULL, greatest(0, dateDiff('second', first_review_at, assumeNotNull(p.merged_at))) / 3600) AS review_hours,
    if(deployed_at IS NULL, NULL, greatest(0, dateDiff('second', assumeNotNull(p.merged_at), deployed_at)) / 3600) AS deploy_hours
FROM prs AS p
LEFT JOIN first_reviews AS fr ON fr.repo = p.repo AND fr.number = p.number
LEFT JOIN first_commits AS fc ON fc.repo = p.repo AND fc.number = p.number
LEFT JOIN shipped AS sh ON sh.repo = p.repo AND sh.number = p.number
LEFT JOIN repo_services AS rs ON rs.repo = p.repo
SETTINGS join_use_nulls = 0
`;

/** Change-set commits with their times and flags, the rows behind lead time and rework. */
export const REBUILD_CHANGES = `
INSERT INTO {{db}}.t_changes_next
WITH
stood_in AS (SELECT DISTINCT deployment_id, assumeNotNull(stands_in_for) AS sha FROM {{db}}.t_change_set_commits WHERE stands_in_for IS NOT NULL),
prs AS (SELECT repo, number, labels, merge_commit_sha, head_sha FROM {{db}}.pull_requests FINAL WHERE state = 'merged'),
pr_of_commit AS (
    SELECT repo, sha, min(number) AS number, max(fix) AS fix FROM (
        SELECT repo, assumeNotNull(merge_commit_sha) AS sha, number, hasAny(arrayMap(l -> lower(l), labels), {fixLabels:Array(String)}) AS fix FROM prs WHERE merge_commit_sha IS NOT NULL
        UNION ALL
        SELECT repo, assumeNotNull(head_sha), number, hasAny(arrayMap(l -> lower(l), labels), {fixLabels:Array(String)}) FROM prs WHERE head_sha IS NOT NULL
        UNION ALL
        SELECT c.repo, c.sha, c.number, hasAny(arrayMap(l -> lower(l), p.labels), {fixLabels:Array(String)})
        FROM {{db}}.pull_request_commits AS c INNER JOIN prs AS p ON p.repo = c.repo AND p.number = c.number
    ) GROUP BY repo, sha
),
commit_info AS (SELECT repo, sha, authored_at, reverts_sha IS NOT NULL AS is_revert FROM {{db}}.commits FINAL)
SELECT
    cs.deployment_id, cs.service, d.team, d.golden_path, d.deployed_at, cs.repo, cs.sha, cs.via,
    if(ci.sha = '', NULL, ci.authored_at) AS authored_at,
    if(ci.sha = '' OR si.sha != '', NULL, dateDiff('millisecond', ci.authored_at, d.deployed_at) / 3600000) AS lead_hours,
    ci.is_revert AS is_revert,
    if(pc.sha = '', NULL, pc.number) AS pr_number,
    pc.fix AS fix_pr
FROM {{db}}.t_change_set_commits AS cs
INNER JOIN {{db}}.t_deployments AS d ON d.id = cs.deployment_id
LEFT JOIN commit_info AS ci ON ci.repo = cs.repo AND ci.sha = cs.sha
LEFT JOIN stood_in AS si ON si.deployment_id = cs.deployment_id AND si.sha = cs.sha
LEFT JOIN pr_of_commit AS pc ON pc.repo = cs.repo AND pc.sha = cs.sha
SETTINGS join_use_nulls = 0
`;

/** Per production deployment: failure, recovery and rework, the rows behind CFR, recovery time and rework rate. */
export const REBUILD_DEPLOYMENT_FACTS = `
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
    if(failed AND recovery_at IS NOT NULL, dateDiff('millisecond', deployed_at, assumeNotNull(recovery_at)) / 3600000, NULL) AS recovery_hours,
    (has_revert OR has_fix OR is_rollback) AS rework,
    arrayFilter(x -> x != '', [if(has_revert, 'revert', ''), if(has_fix, 'fix_label', ''), if(is_rollback, 'rollback', '')]) AS rework_reasons,
    is_rollback, creator_login, workflow_name, url
FROM facts
`;
