import { z } from 'zod';
import type { TableRows } from '@paved/pipeline';
import type { Warehouse } from '@paved/warehouse';
import { computeTailChangeSets, insertChangeSets, ServicePaths } from './change-sets.js';
import { definitionsFingerprint, exclusive, prepareNext, swap } from './rebuild.js';
import type { MetricSettings } from './settings.js';
import { REBUILD_DEPLOYMENTS, REBUILD_INCIDENTS } from './sql-deployments.js';
import { INCIDENT_REFERENCE_CTES, REBUILD_CHANGES, REBUILD_DEPLOYMENT_FACTS, REBUILD_FAILURE_LINKS, REBUILD_PR_FLOW } from './sql-links.js';

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
 * - failure links and deployment facts: whole services — those whose deployments or change sets
 *   changed, the old and new services of touched incidents, and the services of deployments those
 *   incidents name (or named), including incidents whose references match a touched deployment or
 *   a changed change-set commit;
 * - t_pr_flow: touched pull requests and those holding a commit whose time or shipping changed.
 * Each table is written into its `_next` twin (the untouched rows copied, the recomputed rows added)
 * and swapped in with EXCHANGE TABLES, so a reader sees each table before or after the increment,
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
  | { kind: 'increment'; ms: number; rows: number; steps: { label: string; ms: number; keys?: number }[]; services: number; totalServices: number }
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
const CHANGES_ROWS = `(SELECT * FROM {{db}}.t_change_set_commits WHERE ${CHANGES_SCOPE})`;
// Every part reads only what the rows in scope join to: their deployments, stand-ins, commits and pull requests.
const SCOPED_CHANGES = narrowed(REBUILD_CHANGES, [
  ['FROM {{db}}.t_change_set_commits AS cs\n', `FROM ${CHANGES_ROWS} AS cs\n`],
  ['FROM {{db}}.commits FINAL)', `FROM {{db}}.commits FINAL WHERE (repo, sha) IN (SELECT repo, sha FROM ${CHANGES_ROWS}))`],
  ['FROM {{db}}.t_change_set_commits WHERE stands_in_for IS NOT NULL)', `FROM {{db}}.t_change_set_commits WHERE stands_in_for IS NOT NULL AND deployment_id IN (SELECT deployment_id FROM ${CHANGES_ROWS}))`],
  ["FROM {{db}}.pull_requests FINAL WHERE state = 'merged')", `FROM {{db}}.pull_requests FINAL WHERE state = 'merged'
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
    `FROM {{db}}.t_deployments WHERE is_production AND status = 'success'
          AND (lower(id) IN (SELECT ref FROM incident_refs) OR lower(ifNull(url, '')) IN (SELECT ref FROM incident_refs)
               OR extract(id, '([0-9]+)$') IN (SELECT digits FROM (SELECT extract(ref, '([0-9]+)$') AS digits FROM incident_refs) WHERE digits != ''))
    )
    -- Only keys`],
  ["WHERE is_production AND status = 'success' AND sha IS NOT NULL) AS d",
    "WHERE is_production AND status = 'success' AND sha IS NOT NULL AND substring(assumeNotNull(sha), 1, 7) IN (SELECT substring(ref_sha, 1, 7) FROM incident_refs WHERE ref_sha != '')) AS d"],
];
const LINKS_SERVICES = KEYS('links_service');
const SCOPED_FAILURE_LINKS = narrowed(REBUILD_FAILURE_LINKS, [
  ["FROM {{db}}.t_deployments\n    WHERE is_production AND status = 'success'\n),", `FROM {{db}}.t_deployments\n    WHERE is_production AND status = 'success' AND service IN ${LINKS_SERVICES}\n),`],
  // Whether an incident names something anywhere decides whether it is inferred: that check looks in
  // every service's change sets, for the incidents of the services in scope (only those are inferred here).
  ['SELECT i.id FROM incident_shas AS i INNER JOIN cs AS c', `SELECT i.id FROM (SELECT * FROM incident_shas WHERE id IN (SELECT id FROM {{db}}.t_incidents WHERE service IN ${LINKS_SERVICES})) AS i
                               INNER JOIN (SELECT sha FROM {{db}}.t_change_set_commits WHERE substring(sha, 1, 7) IN (SELECT substring(s, 1, 7) FROM incident_shas)) AS c`],
  ...REFERENCE_NARROWING,
  ['cs AS (SELECT deployment_id, service, sha FROM {{db}}.t_change_set_commits)', `cs AS (SELECT deployment_id, service, sha FROM {{db}}.t_change_set_commits WHERE service IN ${LINKS_SERVICES})`],
  // Only commits the services' change sets hold can revert anything there (sha is in the commits' sort key: filtered before FINAL).
  ['FROM {{db}}.commits FINAL WHERE reverts_sha IS NOT NULL)', `FROM {{db}}.commits FINAL WHERE reverts_sha IS NOT NULL AND sha IN (SELECT sha FROM {{db}}.t_change_set_commits WHERE service IN ${LINKS_SERVICES}))`],
  ['WHERE s.is_rollback AND s.previous_deployment_id IS NOT NULL', `WHERE s.is_rollback AND s.previous_deployment_id IS NOT NULL AND s.service IN ${LINKS_SERVICES}`],
  ["WHERE service != 'unknown' AND {inferIncidentLinks:Bool}", `WHERE service != 'unknown' AND {inferIncidentLinks:Bool} AND service IN ${LINKS_SERVICES}`],
]);
const FACTS_SERVICES = KEYS('facts_service');
const SCOPED_DEPLOYMENT_FACTS = narrowed(REBUILD_DEPLOYMENT_FACTS, [
  ["FROM {{db}}.t_deployments WHERE is_production AND status = 'success'\n)", `FROM {{db}}.t_deployments WHERE is_production AND status = 'success' AND service IN ${FACTS_SERVICES}\n)`],
  ['FROM {{db}}.t_failure_links GROUP BY deployment_id', `FROM {{db}}.t_failure_links WHERE service IN ${FACTS_SERVICES} GROUP BY deployment_id`],
  ['FROM {{db}}.t_failure_links WHERE incident_id IS NOT NULL', `FROM {{db}}.t_failure_links WHERE incident_id IS NOT NULL AND service IN ${FACTS_SERVICES}`],
  ['FROM {{db}}.t_changes GROUP BY deployment_id', `FROM {{db}}.t_changes WHERE service IN ${FACTS_SERVICES} GROUP BY deployment_id`],
]);
const PR_SCOPE = PRS('pr');
const SCOPED_PR_FLOW = narrowed(REBUILD_PR_FLOW, [
  ["FROM {{db}}.pull_requests FINAL WHERE state = 'merged' AND merged_at IS NOT NULL", `FROM {{db}}.pull_requests FINAL WHERE state = 'merged' AND merged_at IS NOT NULL AND ${PR_SCOPE}`],
  ['SELECT repo, number, sha FROM {{db}}.pull_request_commits\n', `SELECT repo, number, sha FROM {{db}}.pull_request_commits WHERE ${PR_SCOPE}\n`],
  ['FROM {{db}}.reviews AS r FINAL', `FROM (SELECT * FROM {{db}}.reviews FINAL WHERE ${PRS('pr', 'pr_number')}) AS r`],
  ['INNER JOIN {{db}}.commits AS c ON c.repo = s.repo', 'INNER JOIN (SELECT repo, sha, authored_at FROM {{db}}.commits WHERE (repo, sha) IN (SELECT repo, sha FROM pr_commit_shas)) AS c ON c.repo = s.repo'],
  ['INNER JOIN {{db}}.t_change_set_commits AS cs ON cs.repo = s.repo', 'INNER JOIN (SELECT repo, sha, deployment_id FROM {{db}}.t_change_set_commits WHERE (repo, sha) IN (SELECT repo, sha FROM pr_commit_shas)) AS cs ON cs.repo = s.repo'],
]);
/** The services of production deployments that the increment's incidents name, by id, key, URL or commit. */
const SERVICES_NAMED_BY_INCIDENTS = `
INSERT INTO {{db}}.transform_increment_keys
WITH ${narrowed(INCIDENT_REFERENCE_CTES, [['FROM {{db}}.t_incidents WHERE notEmpty(linked_deployment_ids)', `FROM {{db}}.t_incidents WHERE notEmpty(linked_deployment_ids) AND id IN ${KEYS('incident_link')}`], ...REFERENCE_NARROWING])}
SELECT 'links_service', d.service FROM resolved_references AS r INNER JOIN {{db}}.t_deployments AS d ON d.id = r.deployment_id
UNION ALL
SELECT 'links_service', c.service
FROM (SELECT lower(arrayJoin(linked_shas)) AS s FROM {{db}}.t_incidents WHERE notEmpty(linked_shas) AND id IN ${KEYS('incident_link')}) AS i
INNER JOIN {{db}}.t_change_set_commits AS c ON substring(c.sha, 1, 7) = substring(i.s, 1, 7)
WHERE length(i.s) >= 7 AND startsWith(c.sha, i.s)`;

/** Keys a production deployment can be named by in an incident (as INCIDENT_REFERENCE_CTES matches them), and its sha's 7-character prefix. */
const DEPLOYMENT_KEYS_OF_TOUCHED = `
INSERT INTO {{db}}.transform_increment_keys
SELECT 'deployment_ref', arrayJoin(arrayFilter(k -> k != '', [lower(id), if(native = '', '', lower(concat(repo, ':', native))), native, lower(ifNull(url, ''))]))
FROM (SELECT id, repo, url, coalesce(nullIf(extract(id, '^github:[^:]+:([0-9]+)$'), ''), nullIf(extract(id, '^actions:[^:]+:run/([0-9]+)$'), ''), '') AS native
      FROM {{db}}.t_deployments WHERE id IN ${KEYS('deployment')})
UNION ALL
SELECT 'sha7', substring(assumeNotNull(sha), 1, 7) FROM {{db}}.t_deployments WHERE id IN ${KEYS('deployment')} AND sha IS NOT NULL`;

const Count = z.object({ n: z.coerce.number() });
const ServiceRepo = z.object({ service: z.string(), repo: z.string() });
const CatalogRow = z.object({ service: z.string(), repo: z.string(), path: z.string() });

async function addKeys(warehouse: Warehouse, sets: [kind: string, keys: Iterable<string>][]): Promise<void> {
  const rows = sets.flatMap(([kind, keys]) => [...new Set(keys)].map((key) => ({ kind, key })));
  for (let i = 0; i < rows.length; i += 100_000) await warehouse.insert('transform_increment_keys', rows.slice(i, i + 100_000));
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
async function replaceRows(warehouse: Warehouse, table: string, scope: string, sql: string, params: Record<string, unknown>): Promise<'appended' | 'replaced'> {
  const [stored] = await warehouse.query(`SELECT count() AS n FROM {{db}}.${table} WHERE ${scope}`, {}, Count);
  if ((stored?.n ?? 0) === 0) {
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
const SUPPLIED_PUSHES = `SELECT repo, commits FROM {{db}}.pushes
  WHERE before IN ${PUSHED} AND event_id NOT IN ${KEYS('push_event')} AND concat(repo, ':', before) IN ${KEYS('push_sha')}`;
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
  WHERE ifNull(head_sha, '') IN ${PUSHED} AND merge_commit_sha IS NOT NULL AND concat(repo, ':', assumeNotNull(head_sha)) IN ${KEYS('push_sha')}
  UNION ALL
  SELECT 'located', concat(repo, ':', sha) FROM (
    SELECT repo, assumeNotNull(merge_commit_sha) AS sha FROM {{db}}.pull_requests
    WHERE merge_commit_sha IS NOT NULL AND repo IN (SELECT repo FROM (${SUPPLIED_PUSHES}))
    GROUP BY repo, sha HAVING uniqExact(number) > 1
  )`;
/** The (service, deployment_id) of the change sets that recorded (counted or went over) a `repo:sha` key of `kind`. */
const RECORDED = (kind: string, and = '') => `
  SELECT service, deployment_id FROM {{db}}.t_change_set_commits WHERE ${PAIRS(kind)}${and}
  UNION ALL
  SELECT service, deployment_id FROM {{db}}.t_change_set_walked WHERE ${PAIRS(kind)}${and}`;
const WALKS_ASKING_FOR_PUSHED = `
  SELECT service, id AS deployment_id FROM {{db}}.t_deployments
  WHERE ifNull(sha, '') IN ${PUSHED} AND is_production AND status = 'success' AND concat(repo, ':', assumeNotNull(sha)) IN ${KEYS('push_sha')}
  UNION ALL
  ${RECORDED('located')}`;
const WALKS_READING_FILES = RECORDED('file_commit', ' AND has({pathScoped:Array(String)}, repo)');
const PR_MERGE_KEYS = `SELECT 'pr_merge', concat(repo, ':', assumeNotNull(merge_commit_sha)) FROM {{db}}.pull_requests WHERE merge_commit_sha IS NOT NULL AND ${PRS('pr')}`;
const WALKS_READING_PRS_OR_COMPARES = `
  ${RECORDED('pr_merge')}
  UNION ALL
  SELECT service, id AS deployment_id FROM {{db}}.t_deployments
  WHERE is_production AND status = 'success' AND ${PAIRS('compare_head', 'repo', "ifNull(sha, '')")}`;
/**
 * Per service, the earliest production deployment among `walks` (service, deployment_id), and
 * whether it is the service's first (the walk then costs what it costs in a full rebuild). A
 * deployment no longer a successful production one was touched by the batch: its own tail covers it.
 */
const EARLIEST = (walks: string) => `
  SELECT w.service AS service, toString(w.m.1) AS from_at, w.m.2 AS from_id, w.m <= f.first AS at_first FROM (
    SELECT w.service AS service, min((d.deployed_at, d.id)) AS m
    FROM (${walks}) AS w INNER JOIN {{db}}.t_deployments AS d ON d.id = w.deployment_id
    WHERE d.is_production AND d.status = 'success'
    GROUP BY w.service
  ) AS w
  INNER JOIN (SELECT service, min((deployed_at, id)) AS first FROM {{db}}.t_deployments WHERE is_production AND status = 'success' GROUP BY service) AS f
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
  const touchedDeployments = `SELECT service FROM {{db}}.t_deployments WHERE id IN ${KEYS('deployment')}`;
  const tailOfTouched = `INSERT INTO {{db}}.transform_increment_tails
    SELECT service, deployed_at, id FROM {{db}}.t_deployments WHERE id IN ${KEYS('deployment')} AND is_production AND status = 'success'`;
  await warehouse.command('TRUNCATE TABLE {{db}}.transform_increment_tails');
  if (changes.deployments.size) {
    await insertKeys(`SELECT 'deployment_service', service FROM (${touchedDeployments})`);
    await warehouse.command(DEPLOYMENT_KEYS_OF_TOUCHED);
    await warehouse.command(tailOfTouched);
    await replaceRows(warehouse, 't_deployments', `id IN ${KEYS('deployment')}`, SCOPED_DEPLOYMENTS, sqlParams(settings));
    await insertKeys(`SELECT 'deployment_service', service FROM (${touchedDeployments})`);
    await warehouse.command(DEPLOYMENT_KEYS_OF_TOUCHED);
    await warehouse.command(tailOfTouched);
  }
  step('deployments', changes.deployments.size);

  // Incidents: their old services and the services of what they were linked to, then the new rows.
  if (changes.incidents.size) {
    await insertKeys(`SELECT 'links_service', service FROM {{db}}.t_incidents WHERE id IN ${KEYS('incident')}`);
    await replaceRows(warehouse, 't_incidents', `id IN ${KEYS('incident')}`, SCOPED_INCIDENTS, sqlParams(settings));
  }
  step('incidents', changes.incidents.size);

  // Change sets. A service is walked from its first touched deployment on, and from the first
  // deployment whose walk asked for history the batch changed (pushes, files, pull requests, compares).
  const whole = new Set<string>();
  const fromFirst = new Set<string>();
  if (mayWalk) {
    const historyTails: z.infer<typeof HistoryTail>[] = [];
    const pairs = await warehouse.query(`SELECT DISTINCT service, repo FROM {{db}}.t_deployments WHERE is_production AND status = 'success'`, {}, ServiceRepo);
    const servicesOf = (repo: string) => pairs.filter((p) => p.repo === repo).map((p) => p.service);
    if (changes.pushShas.size) {
      await insertKeys(LOCATED_KEYS);
      historyTails.push(...await warehouse.query(EARLIEST(WALKS_ASKING_FOR_PUSHED), {}, HistoryTail));
      const blind = await warehouse.query(`SELECT DISTINCT key AS repo FROM {{db}}.transform_increment_keys WHERE kind = 'located_blind'`, {}, RepoRow);
      for (const { repo } of blind) for (const service of servicesOf(repo)) whole.add(service);
    }
    if (changes.fileCommits.size) {
      const catalog = await warehouse.query(
        `SELECT service, ifNull(repo, '') AS repo, ifNull(path, '') AS path FROM {{db}}.catalog_entities FINAL WHERE repo IS NOT NULL AND repo != ''`, {}, CatalogRow,
      );
      const pathScoped = new ServicePaths(catalog, settings.sharedPaths).pathScopedRepos;
      if (pathScoped.length) historyTails.push(...await warehouse.query(EARLIEST(WALKS_READING_FILES), { pathScoped }, HistoryTail));
    }
    if (changes.pullRequests.size + changes.compareHeads.size) {
      if (changes.pullRequests.size) await insertKeys(PR_MERGE_KEYS);
      historyTails.push(...await warehouse.query(EARLIEST(WALKS_READING_PRS_OR_COMPARES), {}, HistoryTail));
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
        SELECT repo, arrayJoin(arrayFilter(x -> x != '', [ifNull(merge_commit_sha, ''), ifNull(head_sha, '')])) AS s FROM {{db}}.pull_requests FINAL WHERE ${PR_SCOPE}
        UNION ALL
        SELECT repo, sha FROM {{db}}.pull_request_commits WHERE ${PR_SCOPE}
      )
      UNION ALL
      SELECT 'pair', concat(repo, ':', sha) FROM {{db}}.t_changes WHERE pr_number IS NOT NULL AND ${PRS('pr', 'assumeNotNull(pr_number)')}`);
  }
  // Reverts are links: a touched commit's deployments' services relink.
  if (changes.commits.size) await insertKeys(`SELECT 'links_service', service FROM {{db}}.t_change_set_commits WHERE ${PAIRS('commit')}`);
  if (rowsMayChange) {
    await insertKeys(`SELECT 'facts_service', service FROM {{db}}.t_changes WHERE ${CHANGES_SCOPE}`);
    await replaceRows(warehouse, 't_changes', CHANGES_SCOPE, SCOPED_CHANGES, sqlParams(settings));
    await insertKeys(`SELECT 'facts_service', service FROM {{db}}.t_changes WHERE ${CHANGES_SCOPE}`);
  }
  step('changes');

  // Failure links: incidents whose links may change, and every service they touch or touched.
  if (changes.incidents.size + changes.failureLinkOverrides.size > 0 || rowsMayChange) await linkScope();
  async function linkScope(): Promise<void> {
  await insertKeys(`SELECT 'incident_link', key FROM {{db}}.transform_increment_keys WHERE kind = 'incident'`);
  // An incident names a touched deployment (by a key or its sha), or a commit whose change-set rows or time changed.
  await insertKeys(`
    WITH (SELECT groupArray(key) FROM {{db}}.transform_increment_keys WHERE kind = 'deployment_ref') AS refs,
         (SELECT groupArray(key) FROM {{db}}.transform_increment_keys WHERE kind = 'sha7') AS deployed7,
         (SELECT groupArray(substring(splitByChar(':', key)[2], 1, 7)) FROM {{db}}.transform_increment_keys WHERE kind IN ('pair', 'commit')) AS changed7
    SELECT 'incident_link', id FROM {{db}}.t_incidents
    WHERE arrayExists(r -> has(refs, lower(r)) OR has(deployed7, substring(extract(lower(r), '^(?:[a-z0-9_.-]+/[a-z0-9_.-]+:)?([0-9a-f]{7,40})$'), 1, 7)), linked_deployment_ids)
       OR arrayExists(s -> has(changed7, substring(lower(s), 1, 7)), linked_shas)`);
  await insertKeys(`SELECT 'links_service', service FROM {{db}}.t_incidents WHERE id IN ${KEYS('incident_link')}`);
  await insertKeys(`SELECT 'links_service', service FROM {{db}}.t_failure_links WHERE incident_id IN ${KEYS('incident_link')}`);
  await warehouse.command(SERVICES_NAMED_BY_INCIDENTS, sqlParams(settings));
  await insertKeys(`SELECT 'links_service', key FROM {{db}}.transform_increment_keys WHERE kind IN ('deployment_service', 'changed_service')`);
  await insertKeys(`SELECT 'links_service', service FROM {{db}}.t_deployments WHERE id IN ${KEYS('override_deployment')}`);
  }
  const linkServices = await countKeys(warehouse, 'links_service');
  if (linkServices) {
    await replaceRows(warehouse, 't_failure_links', `service IN ${LINKS_SERVICES}`, SCOPED_FAILURE_LINKS, sqlParams(settings));
  }
  step('failure links', linkServices);

  // Deployment facts: whole services (the next deployment decides recovery).
  await insertKeys(`SELECT 'facts_service', key FROM {{db}}.transform_increment_keys WHERE kind IN ('links_service', 'deployment_service', 'changed_service')`);
  const factServices = await countKeys(warehouse, 'facts_service');
  if (factServices) {
    await replaceRows(warehouse, 't_deployment_facts', `service IN ${FACTS_SERVICES}`, SCOPED_DEPLOYMENT_FACTS, sqlParams(settings));
  }
  step('deployment facts', factServices);

  // PR flow: touched PRs, and PRs holding a commit whose time changed or that shipped differently.
  const prs = rowsMayChange ? await prFlowScope() : 0;
  if (prs) await replaceRows(warehouse, 't_pr_flow', PR_SCOPE, SCOPED_PR_FLOW, sqlParams(settings));
  step('PR flow', prs);

  return { kind: 'increment', ms: Math.round(performance.now() - started), rows: changes.rows, steps, services: services.size, totalServices: withHistory.size };

  async function prFlowScope(): Promise<number> {
  await insertKeys(`
    SELECT 'pr_pair', key FROM {{db}}.transform_increment_keys WHERE kind IN ('pair', 'commit')
    UNION ALL
    SELECT 'pr_pair', concat(repo, ':', sha) FROM {{db}}.t_change_set_commits WHERE deployment_id IN ${KEYS('deployment')}`);
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
