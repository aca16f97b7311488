import { createHash, randomUUID } from 'node:crypto';
import type { Warehouse } from '@paved/warehouse';
import { computeChangeSets, rebuildChangeSets } from './change-sets.js';
import type { MetricSettings } from './settings.js';
import { REBUILD_DEPLOYMENTS, REBUILD_INCIDENTS } from './sql-deployments.js';
import { REBUILD_CHANGES, REBUILD_DEPLOYMENT_FACTS, REBUILD_DORA_DAILY, REBUILD_FAILURE_LINKS, REBUILD_PR_FLOW } from './sql-links.js';

export interface TransformStep {
  table: string;
  /** Further derived tables the step writes through their `_next` twins and swaps in itself. */
  alsoWrites?: readonly string[];
  label: string;
  run: (warehouse: Warehouse, settings: MetricSettings) => Promise<unknown>;
}

const sqlStep = (table: string, label: string, sql: string): TransformStep => ({
  table,
  label,
  run: (warehouse, settings) => warehouse.command(sql, {
    productionPattern: settings.productionPattern,
    platformWorkflowPattern: settings.platformWorkflowPattern,
    platformCreators: settings.platformCreators,
    inferIncidentLinks: settings.inferIncidentLinks,
    inferenceWindowHours: settings.inferenceWindowHours,
    fixLabels: settings.fixLabels.map((label) => label.toLowerCase()),
  }),
});

/** What the change-set walk writes besides t_change_sets. */
const WALK_OUTPUTS = ['t_change_set_commits', 't_uncounted_commits', 't_change_set_walked'] as const;

/** Every table the change-set walk (rebuildChangeSets) writes. */
export const CHANGE_SET_TABLES: readonly string[] = ['t_change_sets', ...WALK_OUTPUTS];

/** In dependency order: each step reads the tables the previous ones swapped in. */
export const TRANSFORM_STEPS: TransformStep[] = [
  sqlStep('t_deployments', 'deployments', REBUILD_DEPLOYMENTS),
  sqlStep('t_incidents', 'incidents', REBUILD_INCIDENTS),
  {
    table: 't_change_sets',
    alsoWrites: WALK_OUTPUTS,
    label: 'change sets',
    run: async (warehouse, settings) => {
      for (const table of WALK_OUTPUTS) await prepareNext(warehouse, table);
      const result = await rebuildChangeSets(warehouse, settings.sharedPaths);
      for (const table of WALK_OUTPUTS) await swap(warehouse, table);
      return result;
    },
  },
  sqlStep('t_changes', 'changes', REBUILD_CHANGES),
  sqlStep('t_failure_links', 'failure links', REBUILD_FAILURE_LINKS),
  sqlStep('t_deployment_facts', 'deployment facts', REBUILD_DEPLOYMENT_FACTS),
  sqlStep('t_pr_flow', 'PR flow', REBUILD_PR_FLOW),
  sqlStep('t_dora_daily', 'DORA rows by day', REBUILD_DORA_DAILY),
];

/**
 * Every derived table a full rebuild writes, in the order it writes them: what a comparison of two
 * rebuilds, or of an increment with a rebuild, compares.
 */
export const DERIVED_TABLES: readonly string[] = TRANSFORM_STEPS.flatMap((step) => [step.table, ...(step.alsoWrites ?? [])]);

/**
 * Rebuilds t_dora_daily alone from t_deployment_facts, t_changes, t_incidents and the catalog as they
 * stand: for tests and benchmarks that write those tables by hand (the transform runs it as its last step).
 */
export async function rebuildDoraDaily(warehouse: Warehouse): Promise<void> {
  await prepareNext(warehouse, 't_dora_daily');
  await warehouse.command(REBUILD_DORA_DAILY);
  await swap(warehouse, 't_dora_daily');
}

/**
 * Recreates the `_next` twin of a derived table (so it always has the table's current schema).
 * On a cluster the twin is a local replicated table plus its Distributed front, and the swap
 * exchanges the local tables on every node, so the Distributed table keeps its name.
 */
export async function prepareNext(warehouse: Warehouse, table: string): Promise<void> {
  const cluster = warehouse.cluster;
  if (!cluster) {
    await warehouse.command(`DROP TABLE IF EXISTS {{db}}.${table}_next`);
    await warehouse.command(`CREATE TABLE {{db}}.${table}_next AS {{db}}.${table}`);
    return;
  }
  await warehouse.command(`DROP TABLE IF EXISTS {{db}}.${table}_next ON CLUSTER ${cluster} SYNC`);
  await warehouse.command(`DROP TABLE IF EXISTS {{db}}.${table}_next_local ON CLUSTER ${cluster} SYNC`);
  await warehouse.command(`CREATE TABLE {{db}}.${table}_next_local ON CLUSTER ${cluster} AS {{db}}.${table}_local`);
  await warehouse.command(`CREATE TABLE {{db}}.${table}_next ON CLUSTER ${cluster} AS {{db}}.${table}_next_local ENGINE = Distributed(${cluster}, {{db}}, ${table}_next_local, rand())`);
}

export async function swap(warehouse: Warehouse, table: string): Promise<void> {
  const cluster = warehouse.cluster;
  if (!cluster) await warehouse.command(`EXCHANGE TABLES {{db}}.${table} AND {{db}}.${table}_next`);
  else await warehouse.command(`EXCHANGE TABLES {{db}}.${table}_local AND {{db}}.${table}_next_local ON CLUSTER ${cluster}`);
}

export interface TransformReport {
  runId: string;
  steps: { label: string; ms: number }[];
  totalMs: number;
}

let running: Promise<TransformReport> | null = null;
/** Full rebuilds and increments run one at a time in a process: each reads what the last one swapped in. */
let tail: Promise<unknown> = Promise.resolve();

/** Runs `job` after every transform (full or incremental) already queued in this process. */
export function exclusive<T>(job: () => Promise<T>): Promise<T> {
  const result = tail.then(job, job);
  tail = result.catch(() => {});
  return result;
}

/** Bumped when a derived table's definition changes in code without its SQL text changing. */
const DEFINITIONS_VERSION = 2;

/**
 * What the derived tables are computed with: the metric settings, the statements and the walk.
 * An increment may only add to tables built with the same definitions (otherwise: full rebuild).
 */
export function definitionsFingerprint(settings: MetricSettings): string {
  return createHash('sha256')
    .update(JSON.stringify({ version: DEFINITIONS_VERSION, settings }))
    .update([REBUILD_DEPLOYMENTS, REBUILD_INCIDENTS, REBUILD_CHANGES, REBUILD_FAILURE_LINKS, REBUILD_DEPLOYMENT_FACTS, REBUILD_PR_FLOW, REBUILD_DORA_DAILY].join('\n'))
    .update(computeChangeSets.toString())
    .digest('hex');
}

/**
 * Recomputes every derived table from the entity tables (all history, so a changed definition or
 * mapping applies everywhere). Concurrent calls in one process share the run in flight.
 */
export function runTransform(warehouse: Warehouse, settings: MetricSettings, onStep?: (label: string, index: number, total: number) => void): Promise<TransformReport> {
  if (running) return running;
  running = exclusive(async () => {
    const runId = randomUUID();
    const started = performance.now();
    const holder = `${process.pid}`;
    await warehouse.insert('job_runs', [{ job: 'transform', run_id: runId, holder, started_at: new Date().toISOString(), finished_at: null, status: 'running', detail: '' }]);
    const steps: TransformReport['steps'] = [];
    try {
      for (const [index, step] of TRANSFORM_STEPS.entries()) {
        onStep?.(step.label, index, TRANSFORM_STEPS.length);
        const stepStarted = performance.now();
        await prepareNext(warehouse, step.table);
        await step.run(warehouse, settings);
        await swap(warehouse, step.table);
        steps.push({ label: step.label, ms: Math.round(performance.now() - stepStarted) });
      }
      await warehouse.insert('transform_state', [{ name: 'definitions', value: definitionsFingerprint(settings), set_at: new Date().toISOString() }]);
      const totalMs = Math.round(performance.now() - started);
      await finishRun(warehouse, runId, holder, 'ok', JSON.stringify(steps));
      return { runId, steps, totalMs };
    } catch (error) {
      await finishRun(warehouse, runId, holder, 'failed', (error as Error).message.slice(0, 2_000)).catch(() => {});
      throw error;
    }
  }).finally(() => {
    running = null;
  });
  return running;
}

async function finishRun(warehouse: Warehouse, runId: string, _holder: string, status: string, detail: string): Promise<void> {
  await warehouse.command(
    `INSERT INTO {{db}}.job_runs (job, run_id, holder, started_at, finished_at, status, detail)
     SELECT job, run_id, holder, started_at, now64(3), {status:String}, {detail:String} FROM {{db}}.job_runs FINAL WHERE job = 'transform' AND run_id = {runId:String}`,
    { runId, status, detail },
  );
}
