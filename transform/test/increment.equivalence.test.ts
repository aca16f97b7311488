import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEvent, InProcessBus } from '@paved/ingest';
import { CanonicalEvent, type CanonicalEventInput } from '@paved/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ChangeSummary, changesOfRows, emptyChanges, mergeChanges, runIncrement } from '../src/metrics/increment.js';
import { setFailureLinkOverride, setMappingOverride } from '../src/metrics/overrides.js';
import { rebuildChangeSets } from '../src/metrics/change-sets.js';
import { CHANGE_SET_TABLES, DERIVED_TABLES, prepareNext, runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings, type MetricSettings } from '../src/metrics/settings.js';
import { Sink } from '@paved/pipeline';
import { migrate, Warehouse } from '@paved/warehouse';
import { event } from './harness.js';
import { HistoryBuilder, sha } from './history.js';
import { seededRandom as random } from '@paved/schemas';

/*
 * Incremental transform = full rebuild, row for row, on random histories (docs/operations.md,
 * "Freshness"). Each history lands in random batches, in an order shuffled across batches
 * (out-of-order arrival), and an increment runs after each batch; at the end every derived table
 * is compared with a full rebuild of the same entity rows. Histories mix a monorepo with path-scoped
 * services and a shared path, a plain repository, force pushes, reverts, squash-merged pull
 * requests with and without their commit lists (their branches pushed in one part or two),
 * rollbacks, redeploys, deployments without a sha, staging and failed deployments, GitHub compares,
 * incidents opened before and after deployments naming deployments or commit prefixes (or nothing),
 * reopened/resolved incident updates, failure link overrides, and (rarely) a mapping override,
 * which must ask for a full rebuild. For the walks
 * that start in the middle of a service's history (an increment walks a service from its first
 * touched deployment on): later statuses of earlier deployments (moving them later, failing them,
 * succeeding after a failure) and incident updates that name another deployment or commit or move
 * the incident to another service.
 *
 * One warehouse serves every history (tables truncated in between), so 200+ histories stay fast.
 */

const HISTORIES = Number(process.env.INCREMENT_HISTORIES ?? 220);
/** Histories replayed side by side in one round (disjoint names), so each statement of an increment serves several. */
const PER_ROUND = 10;
const settings: MetricSettings = { ...defaultMetricSettings, sharedPaths: [{ repo: null, path: 'libs' }] };

type Item = { kind: 'events'; events: CanonicalEventInput[] } | { kind: 'link_override'; deploymentId: string; incidentId: string; verdict: 'reject' | 'confirm' } | { kind: 'mapping_override'; key: string; service: string };

interface GeneratedHistory { catalog: CanonicalEventInput[]; items: Item[] }

/** A random history over about two weeks, as items in the order they happened. */
function generate(seed: number): GeneratedHistory {
  const rnd = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const name = (() => { let n = 0; return (what: string) => `${seed}-${what}-${(n += 1)}`; })();
  let clock = Date.parse('2026-03-02T00:00:00Z');
  const at = (advanceMinutes = 10 + rnd() * 400) => new Date((clock += advanceMinutes * 60_000)).toISOString().slice(0, 16);
  const ago = (hours: number) => new Date(clock - hours * 3_600_000).toISOString().slice(0, 16);

  // Names carry the seed: histories replayed together never share a repository, service or id.
  const mono = new HistoryBuilder(`acme/mono-${seed}`);
  const solo = new HistoryBuilder(`acme/solo-${seed}`);
  const loose = new HistoryBuilder(`acme/loose-${seed}`); // in no catalog: its deployments map to the repository
  const [svcA, svcB, soloService] = [`a-${seed}`, `b-${seed}`, `solo-${seed}`];
  mono.service(svcA, 'team-a', { path: 'services/a' });
  mono.service(svcB, 'team-b', { path: 'services/b' });
  solo.service(soloService, 'team-a');
  const catalog = [...mono.events, ...solo.events];
  mono.events.length = 0;
  solo.events.length = 0;

  const repos = [
    { builder: mono, services: [svcA, svcB], commits: [] as string[], deployed: [] as string[], deployments: [] as { id: string; sha: string | null; production: boolean }[] },
    { builder: solo, services: [soloService], commits: [] as string[], deployed: [] as string[], deployments: [] as { id: string; sha: string | null; production: boolean }[] },
    { builder: loose, services: [loose.repo], commits: [] as string[], deployed: [] as string[], deployments: [] as { id: string; sha: string | null; production: boolean }[] },
  ];
  const allDeployments: string[] = [];
  const incidents: string[] = [];
  /** What was sent for each deployment and incident, to send a later status or update of it. */
  const sentDeployments: { builder: HistoryBuilder; id: string; commit: string | null; options: Parameters<HistoryBuilder['deploy']>[3] }[] = [];
  type IncidentData = Extract<CanonicalEventInput, { type: 'incident' }>['data'];
  const sentIncidents: { builder: HistoryBuilder; base: IncidentData }[] = [];
  const items: Item[] = [];
  const take = (builder: HistoryBuilder) => {
    if (builder.events.length) items.push({ kind: 'events', events: builder.events.splice(0) });
  };
  const files = (repo: (typeof repos)[number]) => {
    if (repo.builder !== mono || rnd() < 0.12) return undefined;
    return Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => `${pick(['services/a', 'services/b', 'libs', 'docs'])}/f${Math.floor(rnd() * 5)}.ts`);
  };
  const newCommits = (repo: (typeof repos)[number], count: number): [string, string, { files?: string[]; reverts?: string }][] =>
    Array.from({ length: count }, () => {
      const commit = name('c');
      repo.commits.push(commit);
      const reverts = repo.commits.length > 2 && rnd() < 0.1 ? pick(repo.commits.slice(0, -1)) : undefined;
      return [commit, ago(1 + rnd() * 30), { files: files(repo), ...(reverts ? { reverts } : {}) }];
    });

  let mapped = false;
  const steps = 20 + Math.floor(rnd() * 25);
  for (let step = 0; step < steps; step += 1) {
    const repo = pick(repos);
    const b = repo.builder;
    const roll = rnd();
    if (roll < 0.3) {
      b.push(at(), newCommits(repo, 1 + Math.floor(rnd() * 3)));
    } else if (roll < 0.35) {
      b.forcePush(at(), newCommits(repo, 1 + Math.floor(rnd() * 2)));
    } else if (roll < 0.47) {
      // A pull request: branch pushes, then a merge (or squash) commit pushed to main.
      const branch = `refs/heads/${name('f')}`;
      const own = newCommits(repo, 1 + Math.floor(rnd() * 3));
      if (own.length > 1 && rnd() < 0.5) {
        // Two pushes to the branch, the second on top of the first: a squash merge without its
        // commit list walks back from the head through the first push's `before`.
        b.push(at(), own.slice(0, 1), branch);
        b.push(at(), own.slice(1), branch, false, own[0]![0]);
      } else {
        b.push(at(), own, branch);
      }
      const merge = name('m');
      repo.commits.push(merge);
      const number = seed * 1000 + step;
      const mergedAt = at();
      b.push(mergedAt, [[merge, ago(0.1), { files: files(repo) }]]);
      b.pullRequest(number, {
        opened: ago(20), merged: mergedAt, mergeCommit: merge, head: own[own.length - 1]![0],
        commits: rnd() < 0.5 ? own.map(([c]) => c) : [], labels: rnd() < 0.3 ? ['bug'] : [],
      });
      if (rnd() < 0.7) b.review(number, pick(['rev1', 'rev2', 'dev']), ago(2));
    } else if (roll < 0.75) {
      const service = pick(repo.services);
      const id = name('d');
      const r = rnd();
      const last = repo.deployed[repo.deployed.length - 1];
      const commit = r < 0.05 ? null : r < 0.12 && repo.deployed.length > 1 ? pick(repo.deployed) : r < 0.18 && last ? last : repo.commits[repo.commits.length - 1] ?? null;
      const production = rnd() < 0.85;
      const status = rnd() < 0.88 ? 'success' : 'failure';
      const options = { environment: production ? 'production' : 'staging', status, ...(b === mono ? { path: service === svcA ? 'services/a' : 'services/b' } : {}) } as const;
      b.deploy(id, commit, at(), options);
      sentDeployments.push({ builder: b, id, commit, options });
      if (commit) repo.deployed.push(commit);
      repo.deployments.push({ id, sha: commit ? sha(commit) : null, production });
      allDeployments.push(id);
      const previous = repo.deployments.filter((d) => d.production && d.sha).slice(-2);
      if (rnd() < 0.1 && previous.length === 2 && previous[0]!.sha !== previous[1]!.sha) {
        const from = repo.commits.findIndex((c) => sha(c) === previous[0]!.sha);
        const to = repo.commits.findIndex((c) => sha(c) === previous[1]!.sha);
        if (from >= 0 && to > from) b.compare(repo.commits[from]!, repo.commits[to]!, repo.commits.slice(from + 1, to + 1));
      }
    } else if (roll < 0.93) {
      const id = name('i');
      incidents.push(id);
      const opened = rnd() < 0.4 ? ago(rnd() * 30) : at();
      const names = rnd();
      const deploymentIds = names < 0.2 && allDeployments.length ? [pick(allDeployments)] : [];
      const shas = names > 0.85 && repo.commits.length ? [sha(pick(repo.commits)).slice(0, 7 + Math.floor(rnd() * 6))] : [];
      const service = rnd() < 0.5 ? pick(repo.services.filter((s) => !s.includes('/'))) ?? null : null;
      const base = {
        id, source: 'generic' as const, service: service ?? null, repo: b.repo, severity: 'high' as const, title: id, opened_at: `${opened}:00.000Z`,
        acknowledged_at: null, linked_deployment_ids: deploymentIds, linked_shas: shas, url: null,
      };
      b.events.push(event('incident', { ...base, status: 'open', resolved_at: null, updated_at: `${opened}:00.000Z` }));
      sentIncidents.push({ builder: b, base: { ...base, status: 'open', resolved_at: null, updated_at: `${opened}:00.000Z` } });
      if (rnd() < 0.6) {
        const resolved = `${at(30 + rnd() * 300)}:00.000Z`;
        b.events.push(event('incident', { ...base, status: 'resolved', resolved_at: resolved, updated_at: resolved }));
      }
    } else if (roll < 0.95) {
      // A later status of an earlier deployment: it moves later in its service (the walk restarts in the
      // middle of the service's history), fails after all, or succeeds after a failure.
      if (sentDeployments.length) {
        const sent = pick(sentDeployments);
        const status = rnd() < 0.6 ? 'success' : 'failure';
        sent.builder.deploy(sent.id, sent.commit, at(), { ...sent.options, status });
        take(sent.builder);
      }
    } else if (roll < 0.96) {
      // An incident update that names another deployment or commit, or moves it to another service.
      if (sentIncidents.length) {
        const sent = pick(sentIncidents);
        const r = rnd();
        const updated = `${at()}:00.000Z`;
        const change: Partial<IncidentData> = r < 0.4 && allDeployments.length ? { linked_deployment_ids: [pick(allDeployments)] }
          : r < 0.7 && repo.commits.length ? { linked_shas: [sha(pick(repo.commits)).slice(0, 8)] }
          : { service: pick([svcA, svcB, soloService]) };
        sent.builder.events.push(event('incident', { ...sent.base, ...change, status: 'open', resolved_at: null, updated_at: updated }));
        take(sent.builder);
      }
    } else if (roll < 0.98) {
      if (allDeployments.length) {
        const confirm = rnd() < 0.5 && incidents.length > 0;
        items.push({ kind: 'link_override', deploymentId: pick(allDeployments), incidentId: confirm ? pick(incidents) : pick(['*', 'method:rollback']), verdict: confirm ? 'confirm' : 'reject' });
      }
    } else if (seed % 20 === 0 && !mapped) {
      // Rare: a mapping override asks for a full rebuild (one round in two has one).
      mapped = true;
      items.push({ kind: 'mapping_override', key: loose.repo, service: soloService });
    }
    take(b);
  }
  return { catalog, items };
}

/** Cuts the items into 2–6 batches and moves some to another batch (arrival out of order). */
function batches(items: Item[], seed: number): Item[][] {
  const rnd = random(seed ^ 0x5bd1e995);
  const flat: Item[] = items.flatMap((item): Item[] => (item.kind === 'events' ? item.events.map((e): Item => ({ kind: 'events', events: [e] })) : [item]));
  const count = 2 + Math.floor(rnd() * 5);
  const out: Item[][] = Array.from({ length: count }, () => []);
  flat.forEach((item, index) => {
    const home = Math.min(count - 1, Math.floor((index / flat.length) * count));
    out[rnd() < 0.2 ? Math.floor(rnd() * count) : home]!.push(item);
  });
  return out;
}

const Name = z.object({ name: z.string() });
let warehouse: Warehouse;
let bus: InProcessBus;
let sink: Sink;
let dir: string;
let landed = emptyChanges();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paved-increment-'));
  warehouse = await Warehouse.open({ dataDir: dir, command: 'vitest' });
  await migrate(warehouse);
  bus = new InProcessBus();
  sink = new Sink(warehouse, bus, { maxBatchWaitMs: 0, log: () => {}, onLanded: (rows) => mergeChanges(landed, changesOfRows(rows)) });
  await sink.start();
}, 60_000);

afterAll(async () => {
  await sink?.stop();
  await bus?.close();
  await warehouse?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function reset(): Promise<void> {
  const tables = await warehouse.query(`SELECT name FROM system.tables WHERE database = {db:String} AND name != '_migrations' AND engine LIKE '%MergeTree%'`, { db: warehouse.database }, Name);
  for (const { name } of tables) await warehouse.command(`TRUNCATE TABLE {{db}}.${name}`);
}

async function ingest(events: CanonicalEventInput[]): Promise<void> {
  await bus.publish(events.map((e) => encodeEvent(CanonicalEvent.parse(e))));
  await bus.drained();
}

/** Every derived table, rows sorted, arrays inside rows sorted (groupUniqArray has no order). */
async function snapshot(tables: readonly string[] = DERIVED_TABLES, suffix = ''): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of tables) {
    const rows = await warehouse.query(`SELECT * FROM {{db}}.${table}${suffix}`, {}, z.record(z.string(), z.unknown()));
    out[table] = rows.map((row) => JSON.stringify(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Array.isArray(v) ? [...v].map(String).sort() : v])))).sort();
  }
  return out;
}

interface Outcome { increments: number; fulls: number; fullReasons: string[] }

/**
 * Lands histories `seeds` (side by side: batch n of each lands together) with an increment after
 * each batch, then returns the incremental and the fully rebuilt tables.
 */
async function replay(seeds: number[]): Promise<{ incremental: Record<string, string[]>; full: Record<string, string[]>; passes: Record<string, string[]>; outcome: Outcome }> {
  await reset();
  const histories = seeds.map((seed) => ({ seed, history: generate(seed) }));
  // The starting point: the catalogs and tables fully built from them (empty but for t_dora_daily's catalog rows).
  await ingest(histories.flatMap((h) => h.history.catalog));
  await runTransform(warehouse, settings);
  landed = emptyChanges();
  const cut = histories.map((h) => batches(h.history.items, h.seed));
  const rounds = Math.max(...cut.map((c) => c.length));
  const outcome: Outcome = { increments: 0, fulls: 0, fullReasons: [] };
  for (let n = 0; n < rounds; n += 1) {
    const batch = cut.flatMap((c) => c[n] ?? []);
    const overrides = emptyChanges();
    const events = batch.flatMap((item) => (item.kind === 'events' ? item.events : []));
    if (events.length) await ingest(events);
    for (const item of batch) {
      if (item.kind === 'link_override') {
        await setFailureLinkOverride(warehouse, { deploymentId: item.deploymentId, incidentId: item.incidentId, verdict: item.verdict, note: '' }, 'test');
        overrides.failureLinkOverrides.add(item.deploymentId);
      } else if (item.kind === 'mapping_override') {
        await setMappingOverride(warehouse, { kind: 'repo', key: item.key, service: item.service }, 'test');
        overrides.fullReason = 'a service mapping was overridden';
      }
    }
    const changes: ChangeSummary = mergeChanges(landed, overrides);
    landed = emptyChanges();
    const started = performance.now();
    const report = await runIncrement(warehouse, settings, changes, { maxServiceShare: 1 });
    if (process.env.INCREMENT_PROFILE) console.log('increment', Math.round(performance.now() - started), JSON.stringify(report));
    if (report.kind === 'full_needed') {
      outcome.fulls += 1;
      outcome.fullReasons.push(report.reason);
      await runTransform(warehouse, settings);
    } else {
      outcome.increments += 1;
    }
  }
  const incremental = await snapshot();
  await runTransform(warehouse, settings);
  const full = await snapshot();
  // The full rebuild's walk in passes of one group of services and repositories each (how it bounds
  // its memory on a large history) writes the same rows as the one pass it makes here.
  for (const table of CHANGE_SET_TABLES) await prepareNext(warehouse, table);
  const walked = await rebuildChangeSets(warehouse, settings.sharedPaths, { maxPushes: 1 });
  if (walked.passes < seeds.length) throw new Error(`expected a pass per history, got ${walked.passes}`);
  return { incremental, full, passes: await snapshot(CHANGE_SET_TABLES, '_next'), outcome };
}

describe('incremental transform equals a full rebuild', () => {
  it(`on ${HISTORIES} random histories landed in random batches, out of order`, async () => {
    let increments = 0;
    let fulls = 0;
    let rows = 0;
    for (let first = 1; first <= HISTORIES; first += PER_ROUND) {
      const seeds = Array.from({ length: Math.min(PER_ROUND, HISTORIES - first + 1) }, (_, i) => first + i);
      const { incremental, full, passes, outcome } = await replay(seeds);
      for (const table of CHANGE_SET_TABLES) expect(passes[table], `seeds ${seeds[0]}–${seeds[seeds.length - 1]}: ${table} written in passes differs from one pass`).toEqual(full[table]);
      increments += outcome.increments;
      fulls += outcome.fulls;
      for (const table of DERIVED_TABLES) {
        rows += full[table]!.length;
        const extra = incremental[table]!.filter((row) => !full[table]!.includes(row));
        const missing = full[table]!.filter((row) => !incremental[table]!.includes(row));
        expect({ extra, missing }, `seeds ${seeds[0]}–${seeds[seeds.length - 1]}: ${table} differs from a full rebuild`).toEqual({ extra: [], missing: [] });
      }
      for (const reason of outcome.fullReasons) expect(reason).toBe('a service mapping was overridden');
    }
    // The property is about increments: most batches must have been applied as one.
    expect(increments).toBeGreaterThan(HISTORIES / PER_ROUND * 2);
    expect(fulls).toBeLessThan(increments / 3);
    expect(rows).toBeGreaterThan(HISTORIES * 50);
  }, 1_800_000);
});
