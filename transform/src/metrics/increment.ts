import { z } from 'zod';
import type { TableRows } from '@paved/pipeline';
import type { Warehouse } from '@paved/warehouse';
import { computeTailChangeSets, insertChangeSets, productionServiceRepos, ServicePaths } from './change-sets.js';
import { definitionsFingerprint, exclusive, prepareNext, swap } from './rebuild.js';
import type { MetricSettings } from './settings.js';
import { REBUILD_DEPLOYMENTS, REBUILD_INCIDENTS } from './sql-deployments.js';
import { INCIDENT_REFERENCE_CTES, REBUILD_CHANGES, REBUILD_DEPLOYMENT_FACTS, REBUILD_DORA_DAILY, REBUILD_FAILURE_LINKS, REBUILD_PR_FLOW } from './sql-links.js';

/*
 * Incremental transforms (docs/operations.md, "Freshness"). After the sink lands a batch, only the
 * rows the batch can change are recomputed, with the same statements as the full rebuild narrowed to
 * the increment's keys:
 * - t_deployments / t_incidents: the deployments and incidents the batch named;
 * - change sets: every service with a touched deployment, or deploying from a repository whose
 *   history (pushes, compares, pull requests, commit files) the batch touched — all of that
 *   service's history, because a change set depends on the service's earlier ones;
 * - t_changes: rows of touched deployments and of (repo, sha) pairs whose change-set row, commit
 *   or pull request changed;
 * - failure links: the links of incidents that landed or name (by key or sha) a touched deployment
 *   or changed commit, the inferred links of each service from the deployment before its earliest
 *   touched one on, and the rollback and revert links of deployments whose change sets changed
 *   (SCOPED_FAILURE_LINKS says why nothing else can change);
 * - deployment facts: of touched deployments, of those from the deployment before them on (the next
 *   deployment decides recovery), and of deployments whose change set, t_changes rows or links changed;
 * - t_pr_flow: touched pull requests and those holding a commit whose time or shipping changed.
 * Each table is written into its `_next` twin (the untouched rows copied, the recomputed rows added)
 * and swapped in with EXCHANGE TABLES, or, when no stored row in scope changed or went away, the new
 * rows are appended with one INSERT, so a reader sees each table before or after the increment,
 * never half of it. Catalog and mapping changes, changed definitions and increments that would
 * touch most services run the full rebuild instead.
 */

/** What landed since the last transform: the keys an increment starts from. */
export interface ChangeSummary {
  deployments: Set<string>;
  incidents: Set<string>;
  /** `repo:sha` of every commit and head a landed push carried (history the change-set walk reads). */
  pushShas: Set<string>;
  /** Event ids of the landed pushes (to tell them from the pushes stored before). */
  pushEvents: Set<string>;
  /** `repo:head` of landed GitHub compares. */
  compareHeads: Set<string>;
  /** `repo:sha` of commits whose file lists landed. */
  fileCommits: Set<string>;
  /** `repo:sha` of commits whose row changed (authored time, revert). */
  commits: Set<string>;
  /** `repo#number` of pull requests whose row, commits or reviews changed. */
  pullRequests: Set<string>;
  /** Deployments a person confirmed or rejected a failure link of. */
  failureLinkOverrides: Set<string>;
  /** Why the next run must be a full rebuild (catalog or mapping changed, replay…); null: an increment may do. */
  fullReason: string | null;
  /** Canonical rows landed (for reports). */
  rows: number;
}

export function emptyChanges(): ChangeSummary {
  return {
    deployments: new Set(), incidents: new Set(), pushShas: new Set(), pushEvents: new Set(), compareHeads: new Set(), fileCommits: new Set(), commits: new Set(),
    pullRequests: new Set(), failureLinkOverrides: new Set(), fullReason: null, rows: 0,
  };
}

export function hasChanges(changes: ChangeSummary): boolean {
  return changes.fullReason !== null || changes.deployments.size + changes.incidents.size + changes.pushShas.size + changes.compareHeads.size + changes.fileCommits.size + changes.commits.size
    + changes.pullRequests.size + changes.failureLinkOverrides.size > 0;
}

export function mergeChanges(into: ChangeSummary, from: ChangeSummary): ChangeSummary {
  for (const key of ['deployments', 'incidents', 'pushShas', 'pushEvents', 'compareHeads', 'fileCommits', 'commits', 'pullRequests', 'failureLinkOverrides'] as const) {
    for (const value of from[key]) into[key].add(value);
  }
  into.fullReason ??= from.fullReason;
  into.rows += from.rows;
  return into;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : String(value ?? ''));

/** Tables the sink writes that no derived table reads (the archive, adoption, surveys, backfill state…). */
const NOT_DERIVED = new Set(['raw_deliveries', 'dead_letters', 'adoption_events', 'survey_definitions', 'survey_responses']);

/** The keys a landed batch touched, from the rows the sink inserted. */
export function changesOfRows(rows: TableRows): ChangeSummary {
  const changes = emptyChanges();
  for (const [table, list] of rows) {
    if (!NOT_DERIVED.has(table)) changes.rows += list.length;
    for (const row of list) {
      switch (table) {
        case 'deployment_statuses': changes.deployments.add(text(row.id)); break;
        case 'incident_updates': changes.incidents.add(text(row.id)); break;
        case 'pushes': {
          const repo = text(row.repo);
          changes.pushShas.add(`${repo}:${text(row.after)}`);
          for (const sha of Array.isArray(row.commits) ? row.commits : []) changes.pushShas.add(`${repo}:${text(sha)}`);
          changes.pushEvents.add(text(row.event_id));
          break;
        }
        case 'compares': changes.compareHeads.add(`${text(row.repo)}:${text(row.head)}`); break;
        case 'commit_files': changes.fileCommits.add(`${text(row.repo)}:${text(row.sha)}`); break;
        case 'pull_requests':
        case 'pull_request_commits': changes.pullRequests.add(`${text(row.repo)}#${text(row.number)}`); break;
        case 'reviews': changes.pullRequests.add(`${text(row.repo)}#${text(row.pr_number)}`); break;
        case 'commits': changes.commits.add(`${text(row.repo)}:${text(row.sha)}`); break;
        case 'catalog_entities': changes.fullReason ??= 'the catalog changed'; break;
        case 'mapping_overrides': changes.fullReason ??= 'a service mapping was overridden'; break;
        case 'failure_link_overrides': changes.failureLinkOverrides.add(text(row.deployment_id)); break;
        default:
          if (!NOT_DERIVED.has(table)) changes.fullReason ??= `rows landed in ${table}, which the increment does not know`;
      }
    }
  }
  return changes;
}

export interface IncrementOptions {
  /**
   * Above this share of all services with production deployments, the change-set part of an
   * increment costs about what a full rebuild does: the run is a full rebuild instead.
   */
  maxServiceShare?: number;
}

export type IncrementReport =
  | {
    kind: 'increment'; ms: number; rows: number; steps: { label: string; ms: number; keys?: number }[]; services: number; totalServices: number;
    /** Where each re-walked service's change-set walk started: the first deployment walked (`from_id` '' = its first deployment). */
    walkStarts: { service: string; from_id: string }[];
  }
  | { kind: 'full_needed'; reason: string };

const KEYS = (kind: string) => `(SELECT key FROM {{db}}.transform_increment_keys WHERE kind = '${kind}')`;
/**
 * `repo:sha` keys of `kind` as a filter on two columns: the sha alone first (a hash set that skips
 * nearly every row without building a string), the pair only for the rows left.
 */
const PAIRS = (kind: string, repo = 'repo', sha = 'sha') =>
  `(${sha} IN (SELECT substring(key, position(key, ':') + 1) FROM {{db}}.transform_increment_keys WHERE kind = '${kind}') AND concat(${repo}, ':', ${sha}) IN ${KEYS(kind)})`;
/** `repo#number` keys of `kind` as (repo, number), which the pull request tables are sorted by. */
const PRS = (kind: string, number = 'number') =>
  `((repo, ${number}) IN (SELECT substring(key, 1, position(key, '#') - 1), toUInt32(substring(key, position(key, '#') + 1)) FROM {{db}}.transform_increment_keys WHERE kind = '${kind}'))`;

/**
 * Services whose change sets can hold a `repo:sha` key of `kind`: those with a production deployment
 * from one of the keys' repositories (a change-set row's repository is its deployment's). A row of a
 * deployment the batch moved to another service or repository can be missed: its own tail covers it.
 * Both change-set tables are sorted by service first, so the rest is skipped by the primary key.
 */
const SERVICES_OF_KEY_REPOS = (kind: string, separator = ':') => `(SELECT service FROM {{db}}.t_deployments WHERE is_production AND status = 'success'
    AND repo IN (SELECT substring(key, 1, position(key, '${separator}') - 1) FROM {{db}}.transform_increment_keys WHERE kind = '${kind}'))`;
/** Replaces each `[from, to]` in a full rebuild's statement; `from` must occur exactly once (so a changed statement fails loudly, not silently unscoped). */
function narrowed(sql: string, replacements: [string, string][]): string {
  let out = sql;
  for (const [from, to] of replacements) {
    const at = out.indexOf(from);
    if (at < 0 || out.indexOf(from, at + 1) >= 0) throw new Error(`incremental transform: the full rebuild's statement changed (expected exactly one "${from.slice(0, 60)}")`);
    out = out.slice(0, at) + to + out.slice(at + from.length);
  }
  return out;
}

const SCOPED_DEPLOYMENTS = narrowed(REBUILD_DEPLOYMENTS, [
  ['FROM {{db}}.deployment_statuses FINAL\n    GROUP BY id', `FROM {{db}}.deployment_statuses FINAL\n    WHERE id IN ${KEYS('deployment')}\n    GROUP BY id`],
]);
const SCOPED_INCIDENTS = narrowed(REBUILD_INCIDENTS, [
  ['FROM {{db}}.incident_updates FINAL\n    GROUP BY id', `FROM {{db}}.incident_updates FINAL\n    WHERE id IN ${KEYS('incident')}\n    GROUP BY id`],
]);
const CHANGES_SCOPE = `(deployment_id IN ${KEYS('changes_deployment')} OR ${PAIRS('pair')})`;
/**
 * The change-set rows in scope, read once per increment into a scratch table (the narrowed statement
 * names them seven times; each reading of t_change_set_commits by sha scans the whole table), and
 * only in the services that can hold them: after the walk every change-set row is one of a current
 * production deployment, with its service and repository, so a touched deployment's rows are in its
 * service and a pair's in the services deploying from its repository (the table's sort key starts
 * with the service).
 */
const CHANGES_ROWS_SELECT = `SELECT * FROM {{db}}.t_change_set_commits
  WHERE (service IN (SELECT service FROM {{db}}.t_deployments WHERE id IN ${KEYS('changes_deployment')}) OR service IN ${SERVICES_OF_KEY_REPOS('pair')})
    AND ${CHANGES_SCOPE}`;
const CHANGES_ROWS = '(SELECT * FROM {{db}}.transform_increment_cs)';
// Every part reads only what the rows in scope join to: their deployments, stand-ins, commits and pull requests.
const SCOPED_CHANGES = narrowed(REBUILD_CHANGES, [
  ['FROM {{db}}.t_change_set_commits AS cs\n', `FROM ${CHANGES_ROWS} AS cs\n`],
  ['FROM {{db}}.commits FINAL)', `FROM {{db}}.commits FINAL WHERE (repo, sha) IN (SELECT repo, sha FROM ${CHANGES_ROWS}))`],
  // (A deployment's change-set rows are all in its service; the pull requests joined are those of the rows' repositories: both sort keys start there.)
  ['FROM {{db}}.t_change_set_commits WHERE stands_in_for IS NOT NULL)', `FROM {{db}}.t_change_set_commits WHERE service IN (SELECT service FROM ${CHANGES_ROWS}) AND stands_in_for IS NOT NULL AND deployment_id IN (SELECT deployment_id FROM ${CHANGES_ROWS}))`],
  ["FROM {{db}}.pull_requests FINAL WHERE state = 'merged')", `FROM {{db}}.pull_requests FINAL WHERE state = 'merged' AND repo IN (SELECT repo FROM ${CHANGES_ROWS})
      AND (ifNull(merge_commit_sha, '') IN (SELECT sha FROM ${CHANGES_ROWS}) OR ifNull(head_sha, '') IN (SELECT sha FROM ${CHANGES_ROWS})
           OR (repo, number) IN (SELECT repo, number FROM {{db}}.pull_request_commits WHERE (repo, sha) IN (SELECT repo, sha FROM ${CHANGES_ROWS}))))`],
  ['INNER JOIN {{db}}.t_deployments AS d ON d.id = cs.deployment_id', `INNER JOIN (SELECT * FROM {{db}}.t_deployments WHERE id IN (SELECT deployment_id FROM ${CHANGES_ROWS})) AS d ON d.id = cs.deployment_id`],
]);
/**
 * The incident-reference CTEs read only the deployments a reference can name: by id or URL, by the
 * trailing digits of a source's own id (GitHub deployment id, Actions run id), or by a sha whose
 * first 7 characters some reference starts with. Every deployment whose key equals a reference
 * passes, so the references resolve as in the full rebuild.
 */
const REFERENCE_NARROWING: [string, string][] = [
  ["FROM {{db}}.t_deployments WHERE is_production AND status = 'success'\n    )\n    -- Only keys",
    `FROM {{db}}.t_deployments WHERE is_production AND status = 'success' AND (SELECT count() FROM incident_refs) > 0
          AND (lower(id) IN (SELECT ref FROM incident_refs) OR lower(ifNull(url, '')) IN (SELECT ref FROM incident_refs)
               OR extract(id, '([0-9]+)$') IN (SELECT digits FROM (SELECT extract(ref, '([0-9]+)$') AS digits FROM incident_refs) WHERE digits != ''))
    )
    -- Only keys`],
  ["WHERE is_production AND status = 'success' AND sha IS NOT NULL) AS d",
    "WHERE is_production AND status = 'success' AND sha IS NOT NULL AND (SELECT count() FROM incident_refs WHERE ref_sha != '') > 0\n                  AND substring(assumeNotNull(sha), 1, 7) IN (SELECT substring(ref_sha, 1, 7) FROM incident_refs WHERE ref_sha != '')) AS d"],
];
/*
 * Failure links are recomputed for the rows an increment can change, not for whole services
 * (README, "Failed deployment"; docs/operations.md, "Freshness"). A link row is in scope when
 * - its incident is in `link_incident_scope` (I): incidents that landed, and incidents naming (by key,
 *   URL, own id or sha prefix) a touched deployment or one whose overrides changed or any commit of
 *   their change sets, or a commit whose change-set rows or row changed: every explicit link, and
 *   every inferred one, of an incident not in I is unchanged;
 * - it is inferred and its deployment is in `link_inferred` (D_inf): per service with a touched
 *   production deployment, every deployment from the last one before the earliest touched position
 *   (before or after the batch) on; an incident's inferred deployment (the last one at or before it
 *   opened, within the window, before the next) changes only there;
 * - its other deployment (the rolling-back or reverting one) is in `link_other` (O): touched
 *   deployments, deployments whose change set changed, and deployments holding a touched commit; or
 *   it is a revert link on a deployment in O (its commits changed);
 * - its deployment is in `link_all`: touched deployments and deployments whose overrides changed
 *   (the overrides filter every link of a deployment).
 * The narrowed statement reads what those rows need: production deployments from a per-service
 * start (`transform_increment_tails`: the start above, or earlier for an incident in I whose inferred
 * deployment lies before it), the incidents of those services opened from there on and the
 * incidents in I, and change-set rows by sha prefix or by deployment. Its result is filtered to
 * the scope, so it holds exactly the full rebuild's rows in scope.
 */
/** What the revert candidates can revert in scope: the commits of the deployments in O and link_all, as (service, sha prefix). */
const REVERTED_IN_SCOPE_SELECT = `
    SELECT concat(service, '/', substring(sha, 1, 7)) AS reverted_key FROM {{db}}.t_change_set_commits
    WHERE service IN ${KEYS('link_revert_service')} AND (deployment_id IN ${KEYS('link_other')} OR deployment_id IN ${KEYS('link_all')})`;
/** The incident-reference CTES' last one, which the narrowed link statement reads from a scratch table instead. */
const RESOLVED_REFERENCES = `resolved_references AS (
    SELECT incident_id, ref, deployment_id FROM id_references
    UNION ALL
    SELECT incident_id, ref, deployment_id FROM sha_references
)`;
/** The references of the incidents whose links are computed (LINK_INCIDENTS), resolved as the full rebuild resolves them (narrowed like the rest of the link statement). */
const RESOLVED_REFERENCES_SELECT = `WITH ${narrowed(INCIDENT_REFERENCE_CTES, [
  ['FROM {{db}}.t_incidents WHERE notEmpty(linked_deployment_ids)', `FROM {{db}}.t_incidents WHERE notEmpty(linked_deployment_ids) AND id IN ${KEYS('link_incident')}`],
  ...REFERENCE_NARROWING,
])}
SELECT incident_id, ref, deployment_id FROM resolved_references`;
const LINK_SCOPE = (p = '') => `(ifNull(${p}incident_id, '') IN ${KEYS('link_incident_scope')}
  OR (${p}method = 'inferred' AND ${p}deployment_id IN ${KEYS('link_inferred')})
  OR ifNull(${p}other_deployment_id, '') IN ${KEYS('link_other')}
  OR (${p}method = 'revert' AND ${p}deployment_id IN ${KEYS('link_other')})
  OR ${p}deployment_id IN ${KEYS('link_all')})`;
const LINK_TAILS = '{{db}}.transform_increment_tails';
/** Incidents whose links (or whether they name anything) the statement computes: I, and those of the tails' services from the start on. */
const LINK_INCIDENTS = KEYS('link_incident');
const SCOPED_FAILURE_LINKS = narrowed(REBUILD_FAILURE_LINKS, [
  ["FROM {{db}}.t_deployments\n    WHERE is_production AND status = 'success'\n),",
    `FROM (SELECT d.* FROM {{db}}.t_deployments AS d INNER JOIN ${LINK_TAILS} AS t ON t.service = d.service
          WHERE d.service IN (SELECT service FROM ${LINK_TAILS}) AND d.deployed_at >= t.from_at)
    WHERE is_production AND status = 'success'\n),`],
  ['incident_shas AS (SELECT id, opened_at, lower(arrayJoin(linked_shas)) AS s FROM {{db}}.t_incidents WHERE notEmpty(linked_shas)),',
    `incident_shas AS (SELECT id, opened_at, lower(arrayJoin(linked_shas)) AS s FROM {{db}}.t_incidents WHERE notEmpty(linked_shas) AND id IN ${LINK_INCIDENTS}),
-- The change-set rows the incidents' shas can name, anywhere.
-- (A scalar first: with no sha to look for, the change sets are not read at all.)
cs_named AS (SELECT deployment_id, service, sha FROM {{db}}.t_change_set_commits
             WHERE (SELECT count() FROM incident_shas) > 0 AND substring(sha, 1, 7) IN (SELECT substring(s, 1, 7) FROM incident_shas)),
-- Revert commits that can make a link in scope: any commit of a deployment in O, and the revert commits of the services of O and link_all.
revert_candidates AS (SELECT deployment_id, service, sha FROM {{db}}.transform_increment_revert_candidates),
-- What those revert commits can revert in scope: the commits of the deployments in O and link_all, as (service, sha prefix).
reverted_in_scope AS (${REVERTED_IN_SCOPE_SELECT}),`],
  ['FROM incident_shas AS i INNER JOIN cs AS c', 'FROM incident_shas AS i INNER JOIN cs_named AS c'],
  // When the deployments of the named commits began: only those (the change sets' deployments are anywhere).
  ["deployment_starts AS (SELECT id, started_at FROM {{db}}.t_deployments WHERE is_production AND status = 'success'),",
    "deployment_starts AS (SELECT id, started_at FROM {{db}}.t_deployments WHERE is_production AND status = 'success' AND id IN (SELECT deployment_id FROM cs_named)),"],
  // The references resolve once, before the statement (RESOLVED_REFERENCES_SELECT), which names them three times.
  [RESOLVED_REFERENCES, 'resolved_references AS (SELECT incident_id, ref, deployment_id FROM {{db}}.transform_increment_resolved_refs)'],
  ['FROM {{db}}.commits FINAL WHERE reverts_sha IS NOT NULL)', 'FROM {{db}}.transform_increment_reverts WHERE reverts_sha IS NOT NULL)'],
  // A revert link is in scope when its reverting deployment is in O, or what it reverts is a commit of a deployment in O or link_all.
  ['INNER JOIN cs AS rev ON rev.sha = rc.sha', `INNER JOIN revert_candidates AS rev ON rev.sha = rc.sha
    WHERE rev.deployment_id IN ${KEYS('link_other')} OR concat(rev.service, '/', substring(rc.reverts_sha, 1, 7)) IN (SELECT reverted_key FROM reverted_in_scope)`],
  ['INNER JOIN cs AS orig ON', `INNER JOIN (SELECT deployment_id, service, sha FROM {{db}}.t_change_set_commits
                WHERE service IN (SELECT service FROM reverting) AND substring(sha, 1, 7) IN (SELECT substring(reverts_sha, 1, 7) FROM reverting)) AS orig ON`],
  ['FROM {{db}}.t_change_sets AS s\n    INNER JOIN {{db}}.t_deployments AS d ON d.id = s.deployment_id',
    // (A change set of a deployment of O, or following one of link_all, is in that deployment's service: link_revert_service.)
    `FROM (SELECT * FROM {{db}}.t_change_sets WHERE service IN ${KEYS('link_revert_service')} AND is_rollback
                AND (deployment_id IN ${KEYS('link_other')} OR ifNull(previous_deployment_id, '') IN ${KEYS('link_all')})) AS s
    INNER JOIN (SELECT id, sha FROM {{db}}.t_deployments WHERE (service, id) IN (SELECT service, deployment_id FROM {{db}}.t_change_sets WHERE service IN ${KEYS('link_revert_service')} AND is_rollback
                AND (deployment_id IN ${KEYS('link_other')} OR ifNull(previous_deployment_id, '') IN ${KEYS('link_all')}))) AS d ON d.id = s.deployment_id`],
  ["WHERE service != 'unknown' AND {inferIncidentLinks:Bool}", `WHERE service != 'unknown' AND {inferIncidentLinks:Bool} AND id IN ${LINK_INCIDENTS}`],
  // Explicit and override links name deployments anywhere: looked up by id.
  ['FROM resolved_references AS r INNER JOIN prod AS p ON p.id = r.deployment_id',
    `FROM resolved_references AS r INNER JOIN (SELECT id, service FROM {{db}}.t_deployments WHERE is_production AND status = 'success'
                                               AND id IN (SELECT deployment_id FROM resolved_references)) AS p ON p.id = r.deployment_id`],
  ['FROM overrides AS o INNER JOIN prod AS p ON p.id = o.deployment_id',
    `FROM overrides AS o INNER JOIN (SELECT id, service FROM {{db}}.t_deployments WHERE is_production AND status = 'success'
                                     AND id IN (SELECT deployment_id FROM overrides)) AS p ON p.id = o.deployment_id`],
  ['FROM links AS l\nWHERE ', `FROM links AS l\nWHERE ${LINK_SCOPE('l.')}\n  AND `],
]);
/**
 * Deployment facts of the deployments in `fact`: a fact depends on its deployment, the next one in
 * its service (recovery), its change set, its links and their incidents, and its t_changes rows.
 * Production deployments are read from each service's earliest such deployment on (tails).
 */
/**
 * The revert commits that can make a link in scope (any commit of a deployment in O, and the revert
 * commits of the services of O and link_all), read once before the link statement, which names them
 * three times.
 */
const REVERT_CANDIDATES_SELECT = `
    SELECT deployment_id, service, sha FROM {{db}}.t_change_set_commits WHERE service IN ${KEYS('link_revert_service')} AND deployment_id IN ${KEYS('link_other')}
    UNION ALL
    SELECT deployment_id, service, sha FROM {{db}}.t_changes
    WHERE is_revert AND service IN ${KEYS('link_revert_service')} AND deployment_id NOT IN ${KEYS('link_other')}`;
/**
 * The commit rows (FINAL) of the revert candidates' shas, in any repository as the full rebuild joins
 * them (by sha), that can make a revert link in scope. Their (repo, sha) keys are found without FINAL
 * first: a version that reverts, of a candidate in a deployment of O or reverting a commit in scope
 * (the statement's own condition on the final row, which is one of its key's versions). So FINAL
 * merges only the granules of those few keys instead of the whole commits table (thousands of
 * candidates spread over every granule); the statement keeps the final rows that still qualify.
 */
const REVERTS_SELECT = `
    SELECT sha, reverts_sha FROM {{db}}.commits FINAL
    WHERE (repo, sha) IN (
        SELECT c.repo, c.sha FROM (
            SELECT repo, sha, assumeNotNull(reverts_sha) AS reverts FROM {{db}}.commits
            WHERE reverts_sha IS NOT NULL AND sha IN (SELECT sha FROM {{db}}.transform_increment_revert_candidates)) AS c
        INNER JOIN {{db}}.transform_increment_revert_candidates AS rev ON rev.sha = c.sha
        WHERE rev.deployment_id IN ${KEYS('link_other')} OR concat(rev.service, '/', substring(c.reverts, 1, 7)) IN (${REVERTED_IN_SCOPE_SELECT}))
      AND sha IN (SELECT sha FROM {{db}}.transform_increment_revert_candidates)`;
const FACTS = KEYS('fact');
const SCOPED_DEPLOYMENT_FACTS = narrowed(REBUILD_DEPLOYMENT_FACTS, [
  ["FROM {{db}}.t_deployments WHERE is_production AND status = 'success'\n)",
    `FROM (SELECT d.* FROM {{db}}.t_deployments AS d INNER JOIN ${LINK_TAILS} AS t ON t.service = d.service
          WHERE d.service IN (SELECT service FROM ${LINK_TAILS}) AND d.deployed_at >= t.from_at)
    WHERE is_production AND status = 'success'\n)`],
  ['FROM {{db}}.t_failure_links GROUP BY deployment_id', `FROM {{db}}.t_failure_links WHERE deployment_id IN ${FACTS} GROUP BY deployment_id`],
  ['FROM {{db}}.t_failure_links WHERE incident_id IS NOT NULL', `FROM {{db}}.t_failure_links WHERE incident_id IS NOT NULL AND deployment_id IN ${FACTS}`],
  ['INNER JOIN {{db}}.t_incidents AS i ON i.id = l.incident_id', `INNER JOIN (SELECT id, resolved_at FROM {{db}}.t_incidents WHERE id IN (SELECT incident_id FROM {{db}}.t_failure_links WHERE deployment_id IN ${FACTS})) AS i ON i.id = l.incident_id`],
  ['FROM {{db}}.t_changes GROUP BY deployment_id', `FROM {{db}}.t_changes WHERE service IN (SELECT service FROM ${LINK_TAILS}) AND deployment_id IN ${FACTS} GROUP BY deployment_id`],
  // (The change set of a production deployment in `fact` is in its service, one of the tails'.)
  ['LEFT JOIN {{db}}.t_change_sets AS cs ON cs.deployment_id = p.id', `LEFT JOIN (SELECT * FROM {{db}}.t_change_sets WHERE service IN (SELECT service FROM ${LINK_TAILS}) AND deployment_id IN ${FACTS}) AS cs ON cs.deployment_id = p.id`],
  ['FROM facts\n', `FROM facts\nWHERE id IN ${FACTS}\n`],
]);
const PR_SCOPE = PRS('pr');
const SCOPED_PR_FLOW = narrowed(REBUILD_PR_FLOW, [
  ["FROM {{db}}.pull_requests FINAL WHERE state = 'merged' AND merged_at IS NOT NULL", "FROM {{db}}.transform_increment_prs WHERE state = 'merged' AND merged_at IS NOT NULL"],
  ['SELECT repo, number, sha FROM {{db}}.pull_request_commits\n', `SELECT repo, number, sha FROM {{db}}.pull_request_commits WHERE ${PR_SCOPE}\n`],
  ['FROM {{db}}.reviews AS r FINAL', 'FROM (SELECT * FROM {{db}}.transform_increment_reviews) AS r'],
  ['INNER JOIN {{db}}.commits AS c ON c.repo = s.repo', 'INNER JOIN (SELECT repo, sha, authored_at FROM {{db}}.commits WHERE (repo, sha) IN (SELECT repo, sha FROM pr_commit_shas)) AS c ON c.repo = s.repo'],
  ['INNER JOIN {{db}}.t_change_set_commits AS cs ON cs.repo = s.repo', 'INNER JOIN (SELECT repo, sha, deployment_id FROM {{db}}.transform_increment_pr_cs) AS cs ON cs.repo = s.repo'],
  // The deployments shipping those rows only (not a hash table of every deployment).
  ['INNER JOIN {{db}}.t_deployments AS d ON d.id = cs.deployment_id', `INNER JOIN (SELECT * FROM {{db}}.t_deployments WHERE id IN (SELECT deployment_id FROM {{db}}.transform_increment_pr_cs)) AS d ON d.id = cs.deployment_id`],
]);
/**
 * The pull requests in scope, deduplicated as FINAL does (the statement keeps the merged ones), read
 * once: the PR-flow statement names them six times. Their reviews likewise (finalRows).
 */
const PR_ROWS_SCOPE = PR_SCOPE;
const REVIEW_ROWS_SCOPE = PRS('pr', 'pr_number');
/**
 * The change-set rows of any sha of the pull requests in scope (a superset of the statement's
 * pr_commit_shas, which it joins them to), in the services deploying from their repositories (see
 * CHANGES_ROWS_SELECT).
 */
const PR_CS_SELECT = `SELECT repo, sha, deployment_id FROM {{db}}.t_change_set_commits WHERE service IN ${SERVICES_OF_KEY_REPOS('pr', '#')} AND (repo, sha) IN (
    SELECT repo, sha FROM {{db}}.pull_request_commits WHERE ${PR_SCOPE}
    UNION ALL SELECT repo, assumeNotNull(merge_commit_sha) FROM {{db}}.transform_increment_prs WHERE merge_commit_sha IS NOT NULL
    UNION ALL SELECT repo, assumeNotNull(head_sha) FROM {{db}}.transform_increment_prs WHERE head_sha IS NOT NULL)`;
/**
 * t_dora_daily's rows are sums per (team, service, golden path, day) of facts, t_changes rows (by
 * deployment day) and incidents (by opening day): the (service, day) of every such source row in an
 * increment's scope, before and after, as `service\tYYYY-MM-DD` keys of kind 'daily'. Those of the
 * facts cover the t_changes rows': every deployment whose t_changes rows are in scope, before or
 * after, has its facts recomputed ('fact' keys), and its facts row carries the same service and
 * deployment time. The catalog rows (day 1970-01-01) change only with the catalog, which makes the
 * next run a full rebuild.
 */
const DAILY = `(SELECT substring(key, 1, length(key) - 11), toDate(right(key, 10)) FROM {{db}}.transform_increment_keys WHERE kind = 'daily')`;
const DAILY_FROM = `(SELECT toDateTime64(min(toDate(right(key, 10))), 3, 'UTC') FROM {{db}}.transform_increment_keys WHERE kind = 'daily')`;
const DAILY_SCOPE = `(service, day) IN ${DAILY}`;
/** A source table's rows of the 'daily' keys: the service and time bounds first, which the sort keys and partitions can skip by. */
const DAILY_BOUNDS = (at: string) =>
  `service IN (SELECT substring(key, 1, length(key) - 11) FROM {{db}}.transform_increment_keys WHERE kind = 'daily') AND ${at} >= ${DAILY_FROM} AND (service, toDate(${at})) IN ${DAILY}`;
const dailyKeysOf = (table: string, at: string, scope: string) =>
  `SELECT 'daily', concat(service, '\t', toString(toDate(${at}))) FROM {{db}}.${table} WHERE ${scope}`;
const SCOPED_DORA_DAILY = narrowed(REBUILD_DORA_DAILY, [
  ['FROM {{db}}.t_deployment_facts\n', `FROM {{db}}.t_deployment_facts\n    WHERE ${DAILY_BOUNDS('deployed_at')}\n`],
  ['FROM {{db}}.t_changes WHERE lead_hours > 0', `FROM {{db}}.t_changes WHERE lead_hours > 0 AND ${DAILY_BOUNDS('deployed_at')}`],
  ['FROM {{db}}.t_incidents WHERE resolved_at IS NOT NULL', `FROM {{db}}.t_incidents WHERE resolved_at IS NOT NULL AND ${DAILY_BOUNDS('opened_at')}`],
  ['FROM cataloged\n)', `FROM cataloged WHERE (service, toDate(0)) IN ${DAILY}\n)`],
]);

/** Keys a production deployment can be named by in an incident (as INCIDENT_REFERENCE_CTES matches them), and its sha's 7-character prefix. */
const DEPLOYMENT_KEYS_OF = (kind: string, rows = `(SELECT * FROM {{db}}.t_deployments WHERE id IN ${KEYS(kind)})`) => `
INSERT INTO {{db}}.transform_increment_keys
SELECT 'deployment_ref', arrayJoin(arrayFilter(k -> k != '', [lower(id), if(native = '', '', lower(concat(repo, ':', native))), native, lower(ifNull(url, ''))]))
FROM (SELECT id, repo, url, coalesce(nullIf(extract(id, '^github:[^:]+:([0-9]+)$'), ''), nullIf(extract(id, '^actions:[^:]+:run/([0-9]+)$'), ''), '') AS native
      FROM ${rows})
UNION ALL
SELECT 'sha7', substring(assumeNotNull(sha), 1, 7) FROM ${rows} WHERE sha IS NOT NULL`;
/** The touched deployments' rows of t_deployments, read once before and once after it changes. */
const TOUCHED = '{{db}}.transform_increment_touched';
const DEPLOYMENT_KEYS_OF_TOUCHED = DEPLOYMENT_KEYS_OF('deployment', TOUCHED);
/** Positions (service, deployed_at) of the touched production deployments, as `service\tdeployed_at` (called before and after t_deployments changes). */
const MOVED_OF_TOUCHED = `
INSERT INTO {{db}}.transform_increment_keys
SELECT 'moved', concat(service, '\t', toString(deployed_at)) FROM ${TOUCHED}
WHERE is_production AND status = 'success'`;

const Count = z.object({ n: z.coerce.number() });
const CatalogRow = z.object({ service: z.string(), repo: z.string(), path: z.string() });

async function addKeys(warehouse: Warehouse, sets: [kind: string, keys: Iterable<string>][]): Promise<void> {
  const rows = sets.flatMap(([kind, keys]) => [...new Set(keys)].map((key) => ({ kind, key })));
  for (let i = 0; i < rows.length; i += 100_000) await warehouse.insert('transform_increment_keys', rows.slice(i, i + 100_000));
}

/**
 * Fills the scratch table `name` (ENGINE = Memory, made again each time so that it follows the
 * schema of what it selects) with `select`: a small keyed set a narrowed statement names several
 * times, read once.
 */
/**
 * Fills the scratch table `name` with the rows of the ReplacingMergeTree `table` within `scope` as
 * FINAL returns them. FINAL merges every granule the scope's keys fall in, in every part: for new
 * pull requests, whose numbers sit at the end of each repository's range, most of the table. So the
 * rows are read without FINAL first; when no key (`key`, the table's sort key) has two versions
 * stored, they are exactly what FINAL returns, and only otherwise are they read again with FINAL.
 */
async function finalRows(warehouse: Warehouse, name: string, table: string, key: string, scope: string): Promise<void> {
  await scratch(warehouse, name, `SELECT * FROM {{db}}.${table} WHERE ${scope}`);
  const [versions] = await warehouse.query(`SELECT count() - uniqExact(${key}) AS n FROM {{db}}.${name}`, {}, Count);
  if ((versions?.n ?? 0) > 0) await scratch(warehouse, name, `SELECT * FROM {{db}}.${table} FINAL WHERE ${scope}`);
}

async function scratch(warehouse: Warehouse, name: string, select: string, params: Record<string, unknown> = {}): Promise<void> {
  if (!/^transform_increment_\w+$/.test(name)) throw new Error(`not a scratch table: ${name}`);
  await warehouse.command(`DROP TABLE IF EXISTS {{db}}.${name}`);
  await warehouse.command(`CREATE TABLE {{db}}.${name} ENGINE = Memory AS ${select}`, params);
}

async function countKeys(warehouse: Warehouse, kind: string): Promise<number> {
  const [row] = await warehouse.query(`SELECT uniqExact(key) AS n FROM {{db}}.transform_increment_keys WHERE kind = {kind:String}`, { kind }, Count);
  return row?.n ?? 0;
}

/**
 * Recomputes the rows of `table` within `scope` with `sql` (a full rebuild's statement, narrowed,
 * writing into `<table>_next`). When no stored row is in scope (new deployments, incidents, pull
 * requests), the rows are appended to the table in one INSERT; otherwise the rows outside the scope
 * are copied into the `_next` twin beside the recomputed ones and the twin is swapped in. Either
 * way a reader sees the table before or after, never between.
 */
async function replaceRows(warehouse: Warehouse, table: string, scope: string, sql: string, params: Record<string, unknown>, storedRows?: number): Promise<'appended' | 'replaced'> {
  const stored = storedRows ?? (await warehouse.query(`SELECT count() AS n FROM {{db}}.${table} WHERE ${scope}`, {}, Count))[0]?.n ?? 0;
  if (stored === 0) {
    await warehouse.command(retarget(sql, `${table}_next`, table), params);
    return 'appended';
  }
  await prepareNext(warehouse, table);
  await warehouse.command(`INSERT INTO {{db}}.${table}_next SELECT * FROM {{db}}.${table} WHERE NOT (${scope})`);
  await warehouse.command(sql, params);
  await swap(warehouse, table);
  return 'replaced';
}

/**
 * Writes the `_next` twins of `tables`, which hold the recomputed rows of `scope`: when every stored
 * row in scope is among them (new deployments at the end of their services), the new rows are
 * appended with one INSERT per table; otherwise the rows outside the scope are copied into the twins
 * and the twins swapped in.
 */
async function writeScoped(warehouse: Warehouse, tables: string[], scope: string): Promise<'appended' | 'replaced'> {
  let stale = 0;
  for (const table of tables) {
    const [row] = await warehouse.query(`SELECT count() AS n FROM (SELECT * FROM {{db}}.${table} WHERE ${scope} EXCEPT SELECT * FROM {{db}}.${table}_next)`, {}, Count);
    stale += row?.n ?? 0;
  }
  for (const table of tables) {
    if (stale === 0) {
      await warehouse.command(`INSERT INTO {{db}}.${table} SELECT * FROM (SELECT * FROM {{db}}.${table}_next EXCEPT SELECT * FROM {{db}}.${table} WHERE ${scope})`);
    } else {
      await warehouse.command(`INSERT INTO {{db}}.${table}_next SELECT * FROM {{db}}.${table} WHERE NOT (${scope})`);
      await swap(warehouse, table);
    }
  }
  return stale === 0 ? 'appended' : 'replaced';
}

/**
 * Recomputes the rows of `table` within `scope` with `sql` (a full rebuild's statement, narrowed to
 * exactly the rows in scope, writing into `<table>_next`), writing what changed: when no stored row
 * in scope is gone or different (new deployments, incidents, links), the new rows are appended with
 * one INSERT; otherwise the rows outside the scope are copied into the twin and the twin is swapped
 * in. Either way a reader sees the table before or after, never between.
 */
async function replaceScoped(warehouse: Warehouse, table: string, scope: string, sql: string, params: Record<string, unknown>): Promise<string> {
  await prepareNext(warehouse, table);
  await warehouse.command(sql, params);
  const [gone] = await warehouse.query(`SELECT count() AS n FROM (SELECT * FROM {{db}}.${table} WHERE ${scope} EXCEPT SELECT * FROM {{db}}.${table}_next)`, {}, Count);
  if ((gone?.n ?? 0) === 0) {
    const [added] = await warehouse.query(`SELECT count() AS n FROM (SELECT * FROM {{db}}.${table}_next EXCEPT SELECT * FROM {{db}}.${table} WHERE ${scope})`, {}, Count);
    if ((added?.n ?? 0) === 0) return 'unchanged';
    await warehouse.command(`INSERT INTO {{db}}.${table} SELECT * FROM (SELECT * FROM {{db}}.${table}_next EXCEPT SELECT * FROM {{db}}.${table} WHERE ${scope})`);
    return 'appended';
  }
  if (PARTITIONED.has(table)) {
    // Only the partitions holding a row in scope, before or after: their other rows join the twin,
    // and each is swapped in whole (REPLACE PARTITION, atomic per partition).
    const partitions = (await warehouse.query(
      `SELECT DISTINCT _partition_id AS id FROM (SELECT _partition_id FROM {{db}}.${table} WHERE ${scope} UNION ALL SELECT _partition_id FROM {{db}}.${table}_next) ORDER BY id`, {}, PartitionRow,
    )).map((p) => p.id);
    await warehouse.command(`INSERT INTO {{db}}.${table}_next SELECT * FROM {{db}}.${table} WHERE _partition_id IN {partitions:Array(String)} AND NOT (${scope})`, { partitions });
    // A touched partition left without rows (its only facts moved or went away) is dropped.
    const kept = new Set((await warehouse.query(`SELECT DISTINCT _partition_id AS id FROM {{db}}.${table}_next`, {}, PartitionRow)).map((p) => p.id));
    for (const partition of partitions) {
      // A partition id is the digits of toYYYYMM (checked): ALTER … PARTITION ID takes no query parameter.
      if (!/^[0-9]{6}$/.test(partition)) throw new Error(`incremental transform: unexpected partition id of ${table}: ${partition}`);
      if (kept.has(partition)) await warehouse.command(`ALTER TABLE {{db}}.${table} REPLACE PARTITION ID '${partition}' FROM {{db}}.${table}_next`);
      else await warehouse.command(`ALTER TABLE {{db}}.${table} DROP PARTITION ID '${partition}'`);
    }
    return `replaced ${partitions.length} partition${partitions.length === 1 ? '' : 's'}`;
  }
  await warehouse.command(`INSERT INTO {{db}}.${table}_next SELECT * FROM {{db}}.${table} WHERE NOT (${scope})`);
  await swap(warehouse, table);
  return 'replaced';
}

/** Derived tables partitioned by month (migrations 0014, 0015), whose increments swap in only the touched partitions. */
const PARTITIONED = new Set(['t_deployment_facts', 't_dora_daily']);
const PartitionRow = z.object({ id: z.string() });

function retarget(sql: string, from: string, to: string): string {
  const insert = `INSERT INTO {{db}}.${from}\n`;
  if (!sql.includes(insert)) throw new Error(`incremental transform: expected the statement to insert into ${from}`);
  return sql.replace(insert, `INSERT INTO {{db}}.${to}\n`);
}

const RepoRow = z.object({ repo: z.string() });
const ServiceRow = z.object({ service: z.string() });

/**
 * Where the batch's history (pushes, file lists, pull requests, compares) changes change sets
 * already computed, each service's walk restarts at the earliest production deployment whose walk
 * asked for what changed; later change sets follow from it, earlier ones asked for nothing that
 * changed. Every list below is a superset of the deployments whose walks asked (change-sets.ts):
 * - a walk locates (finds the push holding) only its deployed sha, the `before` of each push it went
 *   all the way through, and, for a squash-merged pull request without its commit list, the PR's
 *   head and the `before`s of its branch pushes. A landed push changes what locating a sha answers
 *   only for its own head and commits. So: the deployments of such a sha; the walks that went
 *   through a stored push whose `before` it is — they reached (and recorded, in t_change_set_commits
 *   or t_change_set_walked, or an earlier change set of the service did) the push's first commit;
 *   and the walks that counted the merge commit of a pull request whose head it is. A branch walk
 *   can be dropped when several merged pull requests share a merge commit (the last one with
 *   commits wins): where a repository has such merge commits, the walks that counted them too. A
 *   stored push without commits (a walk went through it without recording anything) falls back to
 *   every service of its repository, from its first deployment;
 * - a file list is read for each commit a walk went over (and recorded), in path-scoped repositories;
 * - a pull request's commits are read by the walks that counted its merge commit (any stored version);
 * - a compare is read by the deployments of its head.
 */
const PUSHED = `(SELECT substring(key, position(key, ':') + 1) FROM {{db}}.transform_increment_keys WHERE kind = 'push_sha')`;
// Every stored version of a push or pull request (no FINAL): a version that no longer holds can only widen the walk.
/** The repositories of the `repo:sha` keys of `kind` (pushes and pull requests are sorted by repository first: the others are skipped). */
const KEY_REPOS = (kind: string) => `(SELECT substring(key, 1, position(key, ':') - 1) FROM {{db}}.transform_increment_keys WHERE kind = '${kind}')`;
const SUPPLIED_PUSHES = `SELECT repo, commits FROM {{db}}.pushes
  WHERE repo IN ${KEY_REPOS('push_sha')} AND before IN ${PUSHED} AND event_id NOT IN ${KEYS('push_event')} AND concat(repo, ':', before) IN ${KEYS('push_sha')}`;
/**
 * Keys `located` (repo:sha): the first commits of stored pushes whose `before` a landed push
 * supplies, the merge commits of pull requests whose head it is, and, in those repositories, merge
 * commits several pull requests share; keys `located_blind` (repo): repositories with such a push
 * without commits.
 */
const LOCATED_KEYS = `
  SELECT if(empty(commits), 'located_blind', 'located'), if(empty(commits), repo, concat(repo, ':', commits[1])) FROM (${SUPPLIED_PUSHES})
  UNION ALL
  SELECT 'located', concat(repo, ':', assumeNotNull(merge_commit_sha)) FROM {{db}}.pull_requests
  WHERE repo IN ${KEY_REPOS('push_sha')} AND ifNull(head_sha, '') IN ${PUSHED} AND merge_commit_sha IS NOT NULL AND concat(repo, ':', assumeNotNull(head_sha)) IN ${KEYS('push_sha')}
  UNION ALL
  SELECT 'located', concat(repo, ':', sha) FROM (
    SELECT repo, assumeNotNull(merge_commit_sha) AS sha FROM {{db}}.pull_requests
    WHERE merge_commit_sha IS NOT NULL AND repo IN (SELECT repo FROM (${SUPPLIED_PUSHES}))
    GROUP BY repo, sha HAVING uniqExact(number) > 1
  )`;
/** The (service, deployment_id) of the change sets that recorded (counted or went over) a `repo:sha` key of `kind`. */
const RECORDED = (kind: string, and = '') => `
  SELECT service, deployment_id FROM {{db}}.t_change_set_commits WHERE service IN ${SERVICES_OF_KEY_REPOS(kind)} AND ${PAIRS(kind)}${and}
  UNION ALL
  SELECT service, deployment_id FROM {{db}}.t_change_set_walked WHERE service IN ${SERVICES_OF_KEY_REPOS(kind)} AND ${PAIRS(kind)}${and}`;
const DEPLOYMENTS_OF_PUSHED = `
  SELECT service, id AS deployment_id FROM {{db}}.t_deployments
  WHERE ifNull(sha, '') IN ${PUSHED} AND is_production AND status = 'success' AND concat(repo, ':', assumeNotNull(sha)) IN ${KEYS('push_sha')}`;
const WALKS_READING_FILES = RECORDED('file_commit', ' AND has({pathScoped:Array(String)}, repo)');
const PR_MERGE_KEYS = `SELECT 'pr_merge', concat(repo, ':', assumeNotNull(merge_commit_sha)) FROM {{db}}.pull_requests WHERE merge_commit_sha IS NOT NULL AND ${PRS('pr')}`;
const DEPLOYMENTS_OF_COMPARES = `
  SELECT service, id AS deployment_id FROM {{db}}.t_deployments
  WHERE is_production AND status = 'success' AND ${PAIRS('compare_head', 'repo', "ifNull(sha, '')")}`;
/**
 * Per service, the earliest production deployment among `walks` (service, deployment_id), and
 * whether it is the service's first (the walk then costs what it costs in a full rebuild). A
 * deployment no longer a successful production one was touched by the batch: its own tail covers it.
 */
const EARLIEST = `
  SELECT w.service AS service, toString(w.m.1) AS from_at, w.m.2 AS from_id, w.m <= f.first AS at_first FROM (
    SELECT w.service AS service, min((d.deployed_at, d.id)) AS m
    FROM {{db}}.transform_increment_walks AS w
    INNER JOIN (SELECT * FROM {{db}}.t_deployments WHERE id IN (SELECT deployment_id FROM {{db}}.transform_increment_walks)) AS d ON d.id = w.deployment_id
    WHERE d.is_production AND d.status = 'success'
    GROUP BY w.service
  ) AS w
  INNER JOIN (SELECT service, min((deployed_at, id)) AS first FROM {{db}}.t_deployments
              WHERE is_production AND status = 'success' AND service IN (SELECT service FROM {{db}}.transform_increment_walks) GROUP BY service) AS f
  ON f.service = w.service`;
const HistoryTail = z.object({ service: z.string(), from_at: z.string(), from_id: z.string(), at_first: z.coerce.boolean() });

const DefinitionsRow = z.object({ value: z.string() });

/**
 * Applies `changes` to the derived tables (see the top of this file). Returns `full_needed` with the
 * reason when only a full rebuild is right; the caller runs it. Runs after any transform in flight.
 */
export function runIncrement(warehouse: Warehouse, settings: MetricSettings, changes: ChangeSummary, options: IncrementOptions = {}): Promise<IncrementReport> {
  return exclusive(() => applyIncrement(warehouse, settings, changes, options));
}

async function applyIncrement(warehouse: Warehouse, settings: MetricSettings, changes: ChangeSummary, options: IncrementOptions): Promise<IncrementReport> {
  if (changes.fullReason) return { kind: 'full_needed', reason: changes.fullReason };
  if (warehouse.cluster) return { kind: 'full_needed', reason: 'increments are not supported on a ClickHouse cluster yet' };
  const [built] = await warehouse.query(`SELECT value FROM {{db}}.transform_state FINAL WHERE name = 'definitions'`, {}, DefinitionsRow);
  if (!built) return { kind: 'full_needed', reason: 'the derived tables have not been fully built yet' };
  if (built.value !== definitionsFingerprint(settings)) return { kind: 'full_needed', reason: 'the metric definitions or settings changed since the last full rebuild' };

  const started = performance.now();
  const steps: { label: string; ms: number; keys?: number }[] = [];
  let stepStarted = performance.now();
  const step = (label: string, keys?: number) => {
    steps.push({ label, ms: Math.round(performance.now() - stepStarted), ...(keys === undefined ? {} : { keys }) });
    stepStarted = performance.now();
  };
  const insertKeys = (sql: string) => warehouse.command(`INSERT INTO {{db}}.transform_increment_keys ${sql}`);
  /** Refills transform_increment_tails with the earliest `at` per `service` of `sql`'s rows (the start the narrowed link and fact statements read from). */
  const fillTails = async (sql: string) => {
    await warehouse.command('TRUNCATE TABLE {{db}}.transform_increment_tails');
    await warehouse.command(`INSERT INTO {{db}}.transform_increment_tails (service, from_at, from_id) SELECT service, min(at), '' FROM (${sql}) GROUP BY service`);
  };

  await warehouse.command('TRUNCATE TABLE {{db}}.transform_increment_keys');
  await addKeys(warehouse, [
    ['deployment', changes.deployments], ['incident', changes.incidents], ['push_sha', changes.pushShas], ['push_event', changes.pushEvents],
    ['compare_head', changes.compareHeads], ['file_commit', changes.fileCommits], ['commit', changes.commits], ['pr', changes.pullRequests],
    ['override_deployment', changes.failureLinkOverrides],
  ]);
  step('keys');
  // Each statement costs a few milliseconds however little it reads: ask only what the batch can change.
  const mayWalk = changes.deployments.size + changes.pushShas.size + changes.compareHeads.size + changes.fileCommits.size + changes.pullRequests.size > 0;

  // Deployments: the old and new service of each touched one, and the keys incidents may name it by.
  // Each service's walk starts at the earliest position (deployed_at, id) of a touched production
  // deployment, before and after the batch.
  const tailOfTouched = `INSERT INTO {{db}}.transform_increment_tails
    SELECT service, deployed_at, id FROM ${TOUCHED} WHERE is_production AND status = 'success'`;
  const ofTouched = async () => {
    await scratch(warehouse, 'transform_increment_touched', `SELECT * FROM {{db}}.t_deployments WHERE id IN ${KEYS('deployment')}`);
    await warehouse.command(DEPLOYMENT_KEYS_OF_TOUCHED);
    await warehouse.command(MOVED_OF_TOUCHED);
    await warehouse.command(tailOfTouched);
  };
  await warehouse.command('TRUNCATE TABLE {{db}}.transform_increment_tails');
  if (changes.deployments.size) {
    await ofTouched();
    const [stored] = await warehouse.query(`SELECT count() AS n FROM ${TOUCHED}`, {}, Count);
    await replaceRows(warehouse, 't_deployments', `id IN ${KEYS('deployment')}`, SCOPED_DEPLOYMENTS, sqlParams(settings), stored?.n ?? 0);
    await ofTouched();
  }
  step('deployments', changes.deployments.size);

  // Incidents: their old services and the services of what they were linked to, then the new rows.
  if (changes.incidents.size) {
    const dailyOfIncidents = dailyKeysOf('t_incidents', 'opened_at', `id IN ${KEYS('incident')}`);
    await insertKeys(dailyOfIncidents);
    await replaceRows(warehouse, 't_incidents', `id IN ${KEYS('incident')}`, SCOPED_INCIDENTS, sqlParams(settings));
    await insertKeys(dailyOfIncidents);
  }
  step('incidents', changes.incidents.size);

  // Change sets. A service is walked from its first touched deployment on, and from the first
  // deployment whose walk asked for history the batch changed (pushes, files, pull requests, compares).
  const whole = new Set<string>();
  const fromFirst = new Set<string>();
  if (mayWalk) {
    const historyTails: z.infer<typeof HistoryTail>[] = [];
    const pairs = await productionServiceRepos(warehouse);
    const servicesOf = (repo: string) => pairs.filter((p) => p.repo === repo).map((p) => p.service);
    /** The earliest of `walks` (read once into transform_increment_walks; parts that are '' are left out). */
    const earliest = async (walks: string[], params: Record<string, unknown> = {}) => {
      const parts = walks.filter((w) => w !== '');
      if (!parts.length) return [];
      await scratch(warehouse, 'transform_increment_walks', `SELECT service, deployment_id FROM (${parts.join('\n  UNION ALL\n')})`, params);
      return warehouse.query(EARLIEST, {}, HistoryTail);
    };
    if (changes.pushShas.size) {
      await insertKeys(LOCATED_KEYS);
      historyTails.push(...await earliest([DEPLOYMENTS_OF_PUSHED, await countKeys(warehouse, 'located') ? RECORDED('located') : '']));
      const blind = await warehouse.query(`SELECT DISTINCT key AS repo FROM {{db}}.transform_increment_keys WHERE kind = 'located_blind'`, {}, RepoRow);
      for (const { repo } of blind) for (const service of servicesOf(repo)) whole.add(service);
    }
    if (changes.fileCommits.size) {
      const catalog = await warehouse.query(
        `SELECT service, ifNull(repo, '') AS repo, ifNull(path, '') AS path FROM {{db}}.catalog_entities FINAL WHERE repo IS NOT NULL AND repo != ''`, {}, CatalogRow,
      );
      const pathScoped = new ServicePaths(catalog, settings.sharedPaths).pathScopedRepos;
      if (pathScoped.length) historyTails.push(...await earliest([WALKS_READING_FILES], { pathScoped }));
    }
    if (changes.pullRequests.size + changes.compareHeads.size) {
      if (changes.pullRequests.size) await insertKeys(PR_MERGE_KEYS);
      const merges = changes.pullRequests.size ? await countKeys(warehouse, 'pr_merge') : 0;
      historyTails.push(...await earliest([merges ? RECORDED('pr_merge') : '', changes.compareHeads.size ? DEPLOYMENTS_OF_COMPARES : '']));
    }
    for (const tail of historyTails) if (tail.at_first) fromFirst.add(tail.service);
    for (const service of whole) fromFirst.add(service);
    const rows = [
      ...historyTails.map(({ service, from_at, from_id }) => ({ service, from_at, from_id })),
      ...[...whole].map((service) => ({ service, from_at: '1970-01-01 00:00:00.000', from_id: '' })),
    ];
    if (rows.length) await warehouse.insert('transform_increment_tails', rows);
  }
  // One start per service: the earliest.
  const Tail = z.object({ service: z.string(), from_at: z.string(), from_id: z.string() });
  const tails = await warehouse.query(
    `SELECT service, toString(m.1) AS from_at, m.2 AS from_id FROM (SELECT service, min((from_at, from_id)) AS m FROM {{db}}.transform_increment_tails GROUP BY service)`, {}, Tail,
  );
  await warehouse.command('TRUNCATE TABLE {{db}}.transform_increment_tails');
  if (tails.length) await warehouse.insert('transform_increment_tails', tails);
  const services = new Set(tails.map((t) => t.service));
  // A service re-walked from its first deployment because of history costs what it costs in a full rebuild.
  const withHistory = new Set(services.size ? (await warehouse.query(`SELECT DISTINCT service FROM {{db}}.t_change_sets`, {}, ServiceRow)).map((r) => r.service) : []);
  const rewalked = [...fromFirst].filter((service) => withHistory.has(service)).length;
  if (withHistory.size >= 4 && rewalked / withHistory.size > (options.maxServiceShare ?? 0.5)) {
    return { kind: 'full_needed', reason: `the increment re-walks ${rewalked} of ${withHistory.size} services with history from their first deployment: a full rebuild costs about the same` };
  }
  await addKeys(warehouse, [['cs_service', services]]);
  if (services.size) {
    // The deployments whose change-set rows are recomputed: each tail's, and the touched ones (wherever they were).
    await insertKeys(`
      SELECT 'cs_tail', d.id FROM {{db}}.t_deployments AS d INNER JOIN {{db}}.transform_increment_tails AS t ON t.service = d.service
      WHERE d.is_production AND d.status = 'success' AND (d.deployed_at, d.id) >= (t.from_at, t.from_id)
      UNION ALL
      SELECT 'cs_tail', key FROM {{db}}.transform_increment_keys WHERE kind = 'deployment'`);
  }
  step('scope', services.size);
  if (services.size) {
    const computed = await computeTailChangeSets(warehouse, settings.sharedPaths);
    step(`change sets: walk (${computed.rounds} rounds)`, computed.sets.length);
    const inScope = `service IN ${KEYS('cs_service')} AND deployment_id IN ${KEYS('cs_tail')}`;
    const tables = ['t_change_sets', 't_change_set_commits', 't_change_set_walked'];
    for (const table of tables) await prepareNext(warehouse, table);
    // The twins first hold just the recomputed rows, to compare them with the stored ones.
    await insertChangeSets(warehouse, computed);
    // What changed: commit rows (both ways) give (repo, sha) pairs, set rows give deployments.
    const commitRow = `deployment_id, service, repo, sha, via, ifNull(stands_in_for, '') AS stood_in, attribution`;
    await insertKeys(`
      SELECT kind, key FROM (
        SELECT deployment_id, service, repo, sha, stood_in FROM (
          (SELECT ${commitRow} FROM {{db}}.t_change_set_commits_next EXCEPT SELECT ${commitRow} FROM {{db}}.t_change_set_commits WHERE ${inScope})
          UNION ALL
          (SELECT ${commitRow} FROM {{db}}.t_change_set_commits WHERE ${inScope} EXCEPT SELECT ${commitRow} FROM {{db}}.t_change_set_commits_next)
        )
      ) ARRAY JOIN
        ['pair', 'pair', 'changed_deployment', 'changed_service'] AS kind,
        [concat(repo, ':', sha), if(stood_in = '', '', concat(repo, ':', stood_in)), deployment_id, service] AS key
      WHERE key != ''`);
    const setRow = `deployment_id, service, ifNull(previous_deployment_id, '') AS p, ifNull(previous_sha, '') AS ps, method, commits, stopped_at, is_rollback, ifNull(rollback_of_sha, '') AS r`;
    await insertKeys(`
      SELECT k.1, k.2 FROM (
        SELECT arrayJoin([('changed_deployment', deployment_id), ('changed_service', service)]) AS k FROM (
          (SELECT ${setRow} FROM {{db}}.t_change_sets_next EXCEPT SELECT ${setRow} FROM {{db}}.t_change_sets WHERE ${inScope})
          UNION ALL
          (SELECT ${setRow} FROM {{db}}.t_change_sets WHERE ${inScope} EXCEPT SELECT ${setRow} FROM {{db}}.t_change_sets_next)
        )
      )`);
    // Commits no service counts whose first walk may have changed: those the old or new rows went over.
    await insertKeys(`
      SELECT 'uncounted_pair', concat(repo, ':', sha) FROM {{db}}.t_change_set_walked WHERE ${inScope} AND counts_for_none
      UNION ALL
      SELECT 'uncounted_pair', concat(repo, ':', sha) FROM {{db}}.t_change_set_walked_next WHERE counts_for_none`);
    // Nothing stored changed (new deployments at the end of their services): append the new rows.
    // Otherwise copy the other rows into the twins and swap them in.
    const written = await writeScoped(warehouse, tables, inScope);
    let uncounted = 0;
    if (await countKeys(warehouse, 'uncounted_pair')) {
      uncounted = 1;
      const pairScope = `(repo, sha) IN (SELECT splitByChar(':', key)[1], substring(key, position(key, ':') + 1) FROM {{db}}.transform_increment_keys WHERE kind = 'uncounted_pair')`;
      await prepareNext(warehouse, 't_uncounted_commits');
      await warehouse.command(`
        INSERT INTO {{db}}.t_uncounted_commits_next (repo, sha, files, deployment_id)
        SELECT w.repo, w.sha, any(f.files), argMin(w.deployment_id, (w.service, d.deployed_at, w.deployment_id))
        FROM (SELECT service, repo, sha, deployment_id FROM {{db}}.t_change_set_walked WHERE counts_for_none AND ${pairScope}) AS w
        INNER JOIN {{db}}.t_deployments AS d ON d.id = w.deployment_id
        INNER JOIN (SELECT repo, sha, files FROM {{db}}.commit_files FINAL WHERE ${pairScope}) AS f ON f.repo = w.repo AND f.sha = w.sha
        GROUP BY w.repo, w.sha`);
      await writeScoped(warehouse, ['t_uncounted_commits'], pairScope);
    }
    step(`change sets: ${written}${uncounted ? ', uncounted commits' : ''}`, services.size);
  }

  // t_changes: touched deployments, changed change-set pairs, touched commits, and the commits of touched pull requests.
  const rowsMayChange = changes.deployments.size + changes.commits.size + changes.pullRequests.size + services.size > 0;
  if (changes.deployments.size + changes.commits.size) {
    await insertKeys(`SELECT if(kind = 'deployment', 'changes_deployment', 'pair'), key FROM {{db}}.transform_increment_keys WHERE kind IN ('deployment', 'commit')`);
  }
  if (changes.pullRequests.size) {
    await insertKeys(`
      SELECT 'pair', concat(repo, ':', s) FROM (
        -- Every stored version (no FINAL, which costs a merge of most of the table's granules): an older one only adds pairs to recompute.
        SELECT repo, arrayJoin(arrayFilter(x -> x != '', [ifNull(merge_commit_sha, ''), ifNull(head_sha, '')])) AS s FROM {{db}}.pull_requests WHERE ${PR_SCOPE}
        UNION ALL
        SELECT repo, sha FROM {{db}}.pull_request_commits WHERE ${PR_SCOPE}
      )
      UNION ALL
      SELECT 'pair', concat(repo, ':', sha) FROM {{db}}.t_changes WHERE pr_number IS NOT NULL AND ${PRS('pr', 'assumeNotNull(pr_number)')}`);
  }
  // Reverts are links: the deployments holding a touched commit relink (their revert links).
  if (changes.commits.size) await insertKeys(`SELECT 'link_other', deployment_id FROM {{db}}.t_change_set_commits WHERE ${PAIRS('commit')}`);
  if (rowsMayChange) {
    // The stored rows in scope (their deployments' facts follow them) and the change-set rows they
    // are recomputed from, each read once.
    // Only in the services that can hold them (t_changes is sorted by team and service): a touched
    // deployment's stored rows are in its service before the batch (its `moved` position; rows exist
    // only for production deployments), a pair's in the services deploying from its repository (an
    // untouched deployment keeps its service and repository).
    await insertKeys(`SELECT 'changes_stored', deployment_id FROM {{db}}.t_changes
      WHERE (service IN (SELECT substring(key, 1, length(key) - 24) FROM {{db}}.transform_increment_keys WHERE kind = 'moved') OR service IN ${SERVICES_OF_KEY_REPOS('pair')})
        AND ${CHANGES_SCOPE}`);
    await insertKeys(`SELECT 'fact', key FROM {{db}}.transform_increment_keys WHERE kind = 'changes_stored'`);
    await scratch(warehouse, 'transform_increment_cs', CHANGES_ROWS_SELECT);
    // No stored row in scope: the new rows are appended (replaceRows counts rows; a deployment stands for at least one).
    await replaceRows(warehouse, 't_changes', CHANGES_SCOPE, SCOPED_CHANGES, sqlParams(settings), await countKeys(warehouse, 'changes_stored'));
    // The rows in scope now are the recomputed ones: those of the change-set rows in scope.
    await insertKeys(`SELECT 'fact', deployment_id FROM {{db}}.transform_increment_cs`);
  }
  step('changes');

  // Failure links: the rows in LINK_SCOPE (see SCOPED_FAILURE_LINKS).
  let linkWrite = '';
  if (changes.incidents.size + changes.failureLinkOverrides.size > 0 || rowsMayChange) {
    // Every link of a touched deployment or one whose overrides changed is recomputed: the incidents
    // naming it (by a key, its sha or any commit of its change set) join I.
    if (changes.failureLinkOverrides.size) await warehouse.command(DEPLOYMENT_KEYS_OF('override_deployment'));
    await insertKeys(`SELECT 'link_other', key FROM {{db}}.transform_increment_keys WHERE kind IN ('deployment', 'changed_deployment')`);
    await insertKeys(`SELECT 'link_all', key FROM {{db}}.transform_increment_keys WHERE kind IN ('deployment', 'override_deployment')`);
    await insertKeys(`SELECT 'link_revert_service', service FROM {{db}}.t_deployments WHERE id IN (SELECT key FROM {{db}}.transform_increment_keys WHERE kind IN ('link_other', 'link_all'))`);
    await insertKeys(`SELECT 'link_sha7', substring(sha, 1, 7) FROM {{db}}.t_change_set_commits WHERE service IN ${KEYS('link_revert_service')} AND deployment_id IN ${KEYS('link_all')}`);
    await insertKeys(`SELECT 'link_incident_scope', key FROM {{db}}.transform_increment_keys WHERE kind = 'incident'`);
    // An incident names a touched deployment (by a key or its sha), or a commit whose change-set rows or time changed.
    await insertKeys(`
      WITH (SELECT groupArray(key) FROM {{db}}.transform_increment_keys WHERE kind = 'deployment_ref') AS refs,
           (SELECT groupArray(key) FROM {{db}}.transform_increment_keys WHERE kind = 'sha7') AS deployed7,
           (SELECT groupArray(if(kind = 'link_sha7', key, substring(splitByChar(':', key)[2], 1, 7))) FROM {{db}}.transform_increment_keys WHERE kind IN ('pair', 'commit', 'link_sha7')) AS changed7
      SELECT 'link_incident_scope', id FROM {{db}}.t_incidents
      WHERE arrayExists(r -> has(refs, lower(r)) OR has(deployed7, substring(extract(lower(r), '^(?:[a-z0-9_.-]+/[a-z0-9_.-]+:)?([0-9a-f]{7,40})$'), 1, 7)), linked_deployment_ids)
         OR arrayExists(s -> has(changed7, substring(lower(s), 1, 7)), linked_shas)`);
    // Per service with a touched production deployment: from the last production deployment before
    // the earliest touched position (before or after the batch) on, inferred links may change.
    const movedService = "substring(key, 1, length(key) - 24)";
    await insertKeys(`
      SELECT 'link_from', concat(m.service, '\t', toString(maxIf(d.deployed_at, d.deployed_at < m.at)))
      FROM (SELECT ${movedService} AS service, min(toDateTime64(right(key, 23), 3, 'UTC')) AS at FROM {{db}}.transform_increment_keys WHERE kind = 'moved' GROUP BY service) AS m
      INNER JOIN (SELECT service, deployed_at FROM {{db}}.t_deployments WHERE is_production AND status = 'success'
                  AND service IN (SELECT ${movedService} FROM {{db}}.transform_increment_keys WHERE kind = 'moved')) AS d ON d.service = m.service
      GROUP BY m.service`);
    await fillTails(`SELECT ${movedService} AS service, toDateTime64(right(key, 23), 3, 'UTC') AS at FROM {{db}}.transform_increment_keys WHERE kind = 'link_from'`);
    await insertKeys(`
      SELECT 'link_inferred', d.id FROM {{db}}.t_deployments AS d INNER JOIN {{db}}.transform_increment_tails AS t ON t.service = d.service
      WHERE d.service IN (SELECT service FROM {{db}}.transform_increment_tails) AND d.deployed_at >= t.from_at AND d.is_production AND d.status = 'success'`);
    // A deployment whose overrides changed: every link of it, its inferred ones too, from it on.
    if (changes.failureLinkOverrides.size) {
      await insertKeys(`SELECT 'link_from', concat(service, '\t', toString(deployed_at)) FROM {{db}}.t_deployments
                        WHERE id IN ${KEYS('override_deployment')} AND is_production AND status = 'success'`);
    }
    // An incident of I is read from the deployment it would be inferred to (the last one at or before it opened) on.
    await insertKeys(`
      SELECT 'link_from', concat(i.service, '\t', toString(maxIf(d.deployed_at, d.deployed_at <= i.opened_at)))
      FROM (SELECT id, service, opened_at FROM {{db}}.t_incidents WHERE id IN ${KEYS('link_incident_scope')} AND service != 'unknown') AS i
      INNER JOIN (SELECT service, deployed_at FROM {{db}}.t_deployments WHERE is_production AND status = 'success'
                  AND service IN (SELECT service FROM {{db}}.t_incidents WHERE id IN ${KEYS('link_incident_scope')})) AS d ON d.service = i.service
      GROUP BY i.id, i.service
      HAVING countIf(d.deployed_at <= i.opened_at) > 0`);
    await fillTails(`SELECT ${movedService} AS service, toDateTime64(right(key, 23), 3, 'UTC') AS at FROM {{db}}.transform_increment_keys WHERE kind = 'link_from'`);
    await insertKeys(`
      SELECT 'link_incident', i.id FROM {{db}}.t_incidents AS i INNER JOIN {{db}}.transform_increment_tails AS t ON t.service = i.service
      WHERE i.service IN (SELECT service FROM {{db}}.transform_increment_tails) AND i.opened_at >= t.from_at
      UNION ALL
      SELECT 'link_incident', key FROM {{db}}.transform_increment_keys WHERE kind = 'link_incident_scope'`);
    await insertKeys(`SELECT 'fact', deployment_id FROM {{db}}.t_failure_links WHERE ${LINK_SCOPE()}`);
    await scratch(warehouse, 'transform_increment_resolved_refs', RESOLVED_REFERENCES_SELECT);
    await scratch(warehouse, 'transform_increment_revert_candidates', REVERT_CANDIDATES_SELECT);
    await scratch(warehouse, 'transform_increment_reverts', REVERTS_SELECT);
    linkWrite = await replaceScoped(warehouse, 't_failure_links', LINK_SCOPE(), SCOPED_FAILURE_LINKS, sqlParams(settings));
    await insertKeys(`SELECT 'fact', deployment_id FROM {{db}}.t_failure_links WHERE ${LINK_SCOPE()}`);
  }
  step(`failure links${linkWrite ? `: ${linkWrite}` : ''}`, await countKeys(warehouse, 'link_inferred'));

  // Deployment facts: of touched deployments and those from the one before them on (the next deployment
  // decides recovery), of changed change sets and t_changes rows, and of deployments whose links changed.
  await insertKeys(`SELECT 'fact', key FROM {{db}}.transform_increment_keys WHERE kind IN ('deployment', 'changed_deployment', 'link_inferred')`);
  const facts = await countKeys(warehouse, 'fact');
  let factWrite = '';
  if (facts) {
    await fillTails(`SELECT service, deployed_at AS at FROM {{db}}.t_deployments WHERE id IN ${FACTS} AND is_production AND status = 'success'`);
    await insertKeys(dailyKeysOf('t_deployment_facts', 'deployed_at', `id IN ${FACTS}`));
    factWrite = await replaceScoped(warehouse, 't_deployment_facts', `id IN ${FACTS}`, SCOPED_DEPLOYMENT_FACTS, sqlParams(settings));
    await insertKeys(dailyKeysOf('t_deployment_facts', 'deployed_at', `id IN ${FACTS}`));
  }
  step(`deployment facts${factWrite ? `: ${factWrite}` : ''}`, facts);

  // PR flow: touched PRs, and PRs holding a commit whose time changed or that shipped differently.
  const prs = rowsMayChange ? await prFlowScope() : 0;
  if (prs) {
    await finalRows(warehouse, 'transform_increment_prs', 'pull_requests', 'repo, number', PR_ROWS_SCOPE);
    await finalRows(warehouse, 'transform_increment_reviews', 'reviews', 'repo, pr_number, id', REVIEW_ROWS_SCOPE);
    await scratch(warehouse, 'transform_increment_pr_cs', PR_CS_SELECT);
    await replaceRows(warehouse, 't_pr_flow', PR_SCOPE, SCOPED_PR_FLOW, sqlParams(settings));
  }
  step('PR flow', prs);

  // DORA rows by day: the (service, day) of every source row recomputed above, before and after.
  const days = await countKeys(warehouse, 'daily');
  let dailyWrite = '';
  if (days) dailyWrite = await replaceScoped(warehouse, 't_dora_daily', DAILY_SCOPE, SCOPED_DORA_DAILY, {});
  step(`DORA rows by day${dailyWrite ? `: ${dailyWrite}` : ''}`, days);

  const walkStarts = tails.map((t) => ({ service: t.service, from_id: t.from_id })).sort((a, b) => a.service.localeCompare(b.service));
  return { kind: 'increment', ms: Math.round(performance.now() - started), rows: changes.rows, steps, services: services.size, totalServices: withHistory.size, walkStarts };

  async function prFlowScope(): Promise<number> {
  await insertKeys(`
    SELECT 'pr_pair', key FROM {{db}}.transform_increment_keys WHERE kind IN ('pair', 'commit')
    UNION ALL
    SELECT 'pr_pair', concat(repo, ':', sha) FROM {{db}}.t_change_set_commits
    WHERE service IN (SELECT service FROM {{db}}.t_deployments WHERE id IN ${KEYS('deployment')}) AND deployment_id IN ${KEYS('deployment')}`);
  await insertKeys(`
    SELECT 'pr', concat(repo, '#', toString(number)) FROM {{db}}.pull_request_commits WHERE ${PAIRS('pr_pair')}
    UNION ALL
    -- Every stored version of a pull request (no FINAL): an old one can only add a pull request to recompute.
    SELECT 'pr', concat(repo, '#', toString(number)) FROM {{db}}.pull_requests
    WHERE ${PAIRS('pr_pair', 'repo', "ifNull(merge_commit_sha, '')")} OR ${PAIRS('pr_pair', 'repo', "ifNull(head_sha, '')")}`);
  return countKeys(warehouse, 'pr');
  }
}

/** The parameters every rebuild statement may use (as the full rebuild binds them). */
function sqlParams(settings: MetricSettings): Record<string, unknown> {
  return {
    productionPattern: settings.productionPattern,
    platformWorkflowPattern: settings.platformWorkflowPattern,
    platformCreators: settings.platformCreators,
    inferIncidentLinks: settings.inferIncidentLinks,
    inferenceWindowHours: settings.inferenceWindowHours,
    fixLabels: settings.fixLabels.map((label) => label.toLowerCase()),
  };
}
