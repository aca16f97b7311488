import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEvent, InProcessBus } from '@paved/ingest';
import { CanonicalEvent, type CanonicalEventInput } from '@paved/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { changesOfRows, emptyChanges, mergeChanges, runIncrement } from '../src/metrics/increment.js';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { Sink } from '@paved/pipeline';
import { migrate, Warehouse } from '@paved/warehouse';
import { HistoryBuilder, sha } from './history.js';

/*
 * Hand-built cases where what a batch changes reaches beyond the services it names (the random
 * histories of increment.equivalence.test.ts meet them only rarely). Each lands a first batch,
 * builds, lands a second batch, applies it as an increment, and compares the failure links with a
 * full rebuild.
 */

let warehouse: Warehouse;
let bus: InProcessBus;
let sink: Sink;
let dir: string;
let landed = emptyChanges();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paved-increment-scenarios-'));
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

async function ingest(events: CanonicalEventInput[]): Promise<void> {
  await bus.publish(events.map((e) => encodeEvent(CanonicalEvent.parse(e))));
  await bus.drained();
}

const Link = z.object({ deployment_id: z.string(), service: z.string(), method: z.string(), incident_id: z.string().nullable() });
const links = () => warehouse.query('SELECT deployment_id, service, method, incident_id FROM {{db}}.t_failure_links ORDER BY deployment_id, method, incident_id', {}, Link);

async function twoBatches(first: HistoryBuilder[], second: HistoryBuilder[]) {
  await ingest(first.flatMap((h) => h.events.splice(0)));
  await runTransform(warehouse, defaultMetricSettings);
  landed = emptyChanges();
  await ingest(second.flatMap((h) => h.events.splice(0)));
  const report = await runIncrement(warehouse, defaultMetricSettings, landed, { maxServiceShare: 1 });
  expect(report.kind).toBe('increment');
  const incremental = await links();
  await runTransform(warehouse, defaultMetricSettings);
  return { incremental, full: await links() };
}

describe('an increment relinks services the batch does not name', () => {
  it('a deployment that arrives after the incident naming it: the incident stops being inferred on its own service', async () => {
    const checkout = new HistoryBuilder('acme/checkout');
    const payments = new HistoryBuilder('acme/payments');
    checkout.service('checkout', 'shop');
    payments.service('payments', 'shop');
    checkout.push('2026-03-02T08:00', [['ck-1', '2026-03-02T07:00']]);
    checkout.deploy('ck-d1', 'ck-1', '2026-03-02T10:00');
    // Opened 1 h after checkout's deployment; names a payments deployment Paved has not received yet.
    checkout.incident('inc-late', '2026-03-02T11:00', { service: 'checkout', deploymentIds: ['pay-d1'] });
    const late = new HistoryBuilder('acme/payments');
    late.push('2026-03-02T08:30', [['pay-1', '2026-03-02T08:00']]);
    late.deploy('pay-d1', 'pay-1', '2026-03-02T09:00');
    const { incremental, full } = await twoBatches([checkout, payments], [late]);
    expect(full.map((l) => `${l.deployment_id}:${l.method}`)).toEqual(['pay-d1:explicit']);
    expect(incremental).toEqual(full);
  });

  it('a later deployment of the same commit in another service takes over an incident naming the commit', async () => {
    const web = new HistoryBuilder('acme/web');
    web.service('web', 'shop');
    web.push('2026-03-03T08:00', [['web-1', '2026-03-03T07:00']]);
    web.deploy('web-d1', 'web-1', '2026-03-03T09:00');
    // Names the commit by a sha prefix: the latest production deployment of it before the incident opened.
    web.incident('inc-sha', '2026-03-03T12:00', { service: 'web', deploymentIds: [sha('web-1').slice(0, 10)] });
    const edge = new HistoryBuilder('acme/web');
    edge.deploy('edge-d1', 'web-1', '2026-03-03T10:00', { service: 'edge' });
    const { incremental, full } = await twoBatches([web], [edge]);
    expect(full.filter((l) => l.incident_id === 'inc-sha').map((l) => l.deployment_id)).toEqual(['edge-d1']);
    expect(incremental).toEqual(full);
  });
});

/*
 * An increment walks a service from its first touched deployment on, starting from what the change
 * sets before it went over (t_change_set_commits and, for path-scoped services, t_change_set_walked)
 * and deployed. These cases need that state: the random histories rarely do.
 */
const settings = { ...defaultMetricSettings, sharedPaths: [{ repo: null, path: 'libs' }] };
const CHANGE_SET_TABLES = ['t_change_sets', 't_change_set_commits', 't_change_set_walked', 't_uncounted_commits', 't_changes'];
async function changeSetRows(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of CHANGE_SET_TABLES) {
    out[table] = (await warehouse.query(`SELECT * FROM {{db}}.${table}`, {}, z.record(z.string(), z.unknown()))).map((row) => JSON.stringify(row)).sort();
  }
  return out;
}
async function tailWalk(first: HistoryBuilder[], second: HistoryBuilder[]) {
  await ingest(first.flatMap((h) => h.events.splice(0)));
  await runTransform(warehouse, settings);
  landed = emptyChanges();
  await ingest(second.flatMap((h) => h.events.splice(0)));
  const report = await runIncrement(warehouse, settings, landed, { maxServiceShare: 1 });
  expect(report.kind).toBe('increment');
  const incremental = await changeSetRows();
  // Where each service's walk started (the link step reuses transform_increment_tails afterwards).
  const tails = report.kind === 'increment' ? report.walkStarts : [];
  await runTransform(warehouse, settings);
  return { incremental, full: await changeSetRows(), report, tails };
}
/** How many change sets the increment's walk computed. */
const walkedSets = (report: Awaited<ReturnType<typeof runIncrement>>) => (report.kind === 'increment' ? report.steps.find((s) => s.label.startsWith('change sets: walk'))?.keys : undefined);
/** Takes the push event ending at `commitName` out of `builder` (to land it later: out of order). */
function takePush(builder: HistoryBuilder, commitName: string): CanonicalEventInput[] {
  const at = builder.events.findIndex((e) => e.type === 'push' && (e.data as { after: string }).after === sha(commitName));
  expect(at).toBeGreaterThanOrEqual(0);
  return builder.events.splice(at, 1);
}
const Set_ = z.object({ deployment_id: z.string(), is_rollback: z.coerce.boolean(), stopped_at: z.string(), commits: z.coerce.number() });

describe('an increment walks a service from its first touched deployment on', () => {
  it('a rollback to a commit an earlier change set went over without counting it (monorepo)', async () => {
    const mono = new HistoryBuilder('acme/mono-rb');
    mono.service('rb-a', 'team-a', { path: 'services/a' });
    mono.service('rb-b', 'team-b', { path: 'services/b' });
    mono.push('2026-04-01T09:00', [['rb-1', '2026-04-01T07:00', { files: ['services/b/x.ts'] }], ['rb-2', '2026-04-01T08:30', { files: ['services/a/x.ts'] }]]);
    mono.deploy('rb-d1', 'rb-2', '2026-04-01T10:00', { path: 'services/a' });
    mono.push('2026-04-01T11:00', [['rb-3', '2026-04-01T10:30', { files: ['services/a/y.ts'] }]]);
    mono.deploy('rb-d2', 'rb-3', '2026-04-01T12:00', { path: 'services/a' });
    const later = new HistoryBuilder('acme/mono-rb');
    // rb-1 touched only services/b: rb-a's first change set went over it without counting it.
    later.deploy('rb-d3', 'rb-1', '2026-04-01T13:00', { path: 'services/a' });
    const { incremental, full } = await tailWalk([mono], [later]);
    const sets = await warehouse.query(`SELECT deployment_id, is_rollback, stopped_at, commits FROM {{db}}.t_change_sets WHERE deployment_id = 'rb-d3'`, {}, Set_);
    expect(sets).toEqual([{ deployment_id: 'rb-d3', is_rollback: true, stopped_at: 'rollback', commits: 0 }]);
    expect(incremental).toEqual(full);
  });

  it('a deployment that lands between stored ones: the walk restarts there and the later change sets shrink', async () => {
    const solo = new HistoryBuilder('acme/mid');
    solo.service('mid', 'team-a');
    solo.push('2026-04-02T08:00', [['mid-1', '2026-04-02T07:00']]);
    solo.deploy('mid-d1', 'mid-1', '2026-04-02T09:00');
    solo.push('2026-04-02T10:00', [['mid-2', '2026-04-02T09:30']]);
    solo.push('2026-04-02T11:00', [['mid-3', '2026-04-02T10:30']]);
    solo.push('2026-04-02T12:00', [['mid-4', '2026-04-02T11:30']]);
    solo.deploy('mid-d3', 'mid-4', '2026-04-02T13:00');
    solo.push('2026-04-02T14:00', [['mid-5', '2026-04-02T13:30']]);
    solo.deploy('mid-d4', 'mid-5', '2026-04-02T15:00');
    const late = new HistoryBuilder('acme/mid');
    late.deploy('mid-d2', 'mid-3', '2026-04-02T11:30');
    const { incremental, full } = await tailWalk([solo], [late]);
    const sets = await warehouse.query(`SELECT deployment_id, is_rollback, stopped_at, commits FROM {{db}}.t_change_sets WHERE service = 'mid' ORDER BY deployment_id`, {}, Set_);
    expect(sets.map((s) => `${s.deployment_id}:${s.commits}`)).toEqual(['mid-d1:1', 'mid-d2:2', 'mid-d3:1', 'mid-d4:1']);
    expect(incremental).toEqual(full);
  });

  it('a redeployment of a commit deployed before the tail but never walked (no push carried it)', async () => {
    const repo = new HistoryBuilder('acme/unpushed');
    repo.service('unpushed', 'team-a');
    repo.deploy('up-d1', 'up-hotfix', '2026-04-04T08:00');
    repo.push('2026-04-04T09:00', [['up-1', '2026-04-04T08:30']]);
    repo.deploy('up-d2', 'up-1', '2026-04-04T10:00');
    const later = new HistoryBuilder('acme/unpushed');
    later.deploy('up-d3', 'up-hotfix', '2026-04-04T11:00');
    const { incremental, full } = await tailWalk([repo], [later]);
    const sets = await warehouse.query(`SELECT deployment_id, is_rollback, stopped_at, commits FROM {{db}}.t_change_sets WHERE deployment_id = 'up-d3'`, {}, Set_);
    expect(sets).toEqual([{ deployment_id: 'up-d3', is_rollback: true, stopped_at: 'rollback', commits: 0 }]);
    expect(incremental).toEqual(full);
  });

  it('a deployment of a branch head whose walk meets commits counted before the tail (already counted)', async () => {
    const repo = new HistoryBuilder('acme/branchy');
    repo.service('branchy', 'team-a');
    repo.push('2026-04-03T08:00', [['br-1', '2026-04-03T07:00'], ['br-2', '2026-04-03T07:30']]);
    repo.deploy('br-d1', 'br-2', '2026-04-03T09:00');
    repo.push('2026-04-03T10:00', [['br-3', '2026-04-03T09:30']]);
    repo.deploy('br-d2', 'br-3', '2026-04-03T11:00');
    const later = new HistoryBuilder('acme/branchy');
    // The next deployment ships br-1, inside the first push: already shipped, a rollback.
    later.deploy('br-d3', 'br-1', '2026-04-03T12:00');
    later.push('2026-04-03T12:30', [['br-4', '2026-04-03T12:10']]);
    const { incremental, full } = await tailWalk([repo], [later]);
    expect(incremental).toEqual(full);
  });
});

/*
 * History that arrives out of order changes only the walks that asked for it: each service is
 * re-walked from the first deployment whose walk located the sha a late push supplies, not from
 * its first deployment (docs/operations.md, "Freshness").
 */
describe('an out-of-order push re-walks only from the deployments that asked for it', () => {
  /** Pushes of one commit each, a production deployment after every second one. */
  function manyDeployments(repoName: string, service: string, prefix: string, count: number, day: string) {
    const repo = new HistoryBuilder(repoName);
    repo.service(service, 'team-a');
    for (let n = 1; n <= count * 2; n += 1) {
      const hour = String(Math.floor((n - 1) / 2)).padStart(2, '0');
      const minute = n % 2 ? '10' : '30';
      repo.push(`${day}T${hour}:${minute}`, [[`${prefix}-${n}`, `${day}T${hour}:0${n % 2}`]]);
      if (n % 2 === 0) repo.deploy(`${prefix}-d${n / 2}`, `${prefix}-${n}`, `${day}T${hour}:45`);
    }
    return repo;
  }

  it("a push that lands after the next one: the walk restarts at the deployment that went through the next push, not at the service's first", async () => {
    const repo = manyDeployments('acme/late-push', 'late-push', 'lp', 12, '2026-04-05');
    // The push of lp-21 (before: lp-20, deployed by lp-d10) arrives after lp-22's push and lp-d11 (deploying lp-22).
    const late = new HistoryBuilder('acme/late-push');
    late.events.push(...takePush(repo, 'lp-21'));
    const { incremental, full, report, tails } = await tailWalk([repo], [late]);
    const sets = await warehouse.query(`SELECT deployment_id, is_rollback, stopped_at, commits FROM {{db}}.t_change_sets WHERE deployment_id = 'lp-d11'`, {}, Set_);
    expect(sets).toEqual([{ deployment_id: 'lp-d11', is_rollback: false, stopped_at: 'previous_deployment', commits: 2 }]);
    expect(tails).toEqual([{ service: 'late-push', from_id: 'lp-d11' }]);
    // lp-d11 and lp-d12, not the service's 12 deployments.
    expect(walkedSets(report)).toBe(2);
    expect(incremental).toEqual(full);
  });

  it('a deployment that arrived before its push: only that deployment on is re-walked', async () => {
    const repo = manyDeployments('acme/early-deploy', 'early-deploy', 'ed', 12, '2026-04-06');
    // ed-d10 deploys ed-20, whose push arrives after the deployment (and after the later ones).
    const late = new HistoryBuilder('acme/early-deploy');
    late.events.push(...takePush(repo, 'ed-20'));
    const { incremental, full, report, tails } = await tailWalk([repo], [late]);
    const sets = await warehouse.query(`SELECT deployment_id, is_rollback, stopped_at, commits FROM {{db}}.t_change_sets WHERE deployment_id IN ('ed-d10', 'ed-d11') ORDER BY deployment_id`, {}, Set_);
    expect(sets.map((s) => `${s.deployment_id}:${s.stopped_at}:${s.commits}`)).toEqual(['ed-d10:previous_deployment:2', 'ed-d11:previous_deployment:2']);
    expect(tails).toEqual([{ service: 'early-deploy', from_id: 'ed-d10' }]);
    expect(walkedSets(report)).toBe(3);
    expect(incremental).toEqual(full);
  });

  it("a late push that a squash-merged pull request's branch walk asked for (its head)", async () => {
    const repo = manyDeployments('acme/late-branch', 'late-branch', 'lb', 6, '2026-04-07');
    // A pull request without its commit list: its branch pushes stand in for its merge commit.
    repo.push('2026-04-07T07:00', [['lb-f1', '2026-04-07T06:50'], ['lb-f2', '2026-04-07T06:55']], 'refs/heads/feature');
    repo.push('2026-04-07T07:10', [['lb-merge', '2026-04-07T07:09']]);
    repo.pullRequest(7, { opened: '2026-04-07T06:40', merged: '2026-04-07T07:10', mergeCommit: 'lb-merge', head: 'lb-f2' });
    repo.deploy('lb-d7', 'lb-merge', '2026-04-07T07:20');
    repo.push('2026-04-07T08:00', [['lb-after', '2026-04-07T07:50']]);
    repo.deploy('lb-d8', 'lb-after', '2026-04-07T08:10');
    const late = new HistoryBuilder('acme/late-branch');
    late.events.push(...takePush(repo, 'lb-f2'));
    const { incremental, full, report, tails } = await tailWalk([repo], [late]);
    const commits = await warehouse.query(`SELECT sha FROM {{db}}.t_change_set_commits WHERE deployment_id = 'lb-d7' AND via = 'squash_pr' ORDER BY sha`, {}, z.object({ sha: z.string() }));
    expect(commits.map((c) => c.sha)).toEqual([sha('lb-f1'), sha('lb-f2')].sort());
    expect(tails).toEqual([{ service: 'late-branch', from_id: 'lb-d7' }]);
    expect(walkedSets(report)).toBe(2);
    expect(incremental).toEqual(full);
  });
});

/*
 * Failure links and deployment facts are recomputed from the deployment before the earliest touched
 * one in each service on, for the incidents an increment names, and for the deployments whose change
 * sets changed (increment.ts, SCOPED_FAILURE_LINKS). Each case reaches past that start.
 */
const Fact = z.object({ id: z.string(), failed: z.coerce.boolean(), failure_methods: z.array(z.string()), next_deployed_at: z.string().nullable(), recovery_at: z.string().nullable(), linked_incidents: z.coerce.number() });
const facts = () => warehouse.query('SELECT id, failed, failure_methods, toString(next_deployed_at) AS next_deployed_at, toString(recovery_at) AS recovery_at, linked_incidents FROM {{db}}.t_deployment_facts ORDER BY id', {}, Fact);
async function linksAndFacts(first: HistoryBuilder[], second: HistoryBuilder[]) {
  await ingest(first.flatMap((h) => h.events.splice(0)));
  await runTransform(warehouse, defaultMetricSettings);
  landed = emptyChanges();
  await ingest(second.flatMap((h) => h.events.splice(0)));
  const report = await runIncrement(warehouse, defaultMetricSettings, landed, { maxServiceShare: 1 });
  expect(report.kind).toBe('increment');
  const incremental = { links: await links(), facts: await facts() };
  await runTransform(warehouse, defaultMetricSettings);
  return { incremental, full: { links: await links(), facts: await facts() } };
}
const linksOf = (rows: z.infer<typeof Link>[], prefix: string) => rows.filter((l) => l.deployment_id.startsWith(prefix)).map((l) => `${l.deployment_id}:${l.method}:${l.incident_id ?? ''}`);

describe('failure links and facts are recomputed from the deployment before the earliest touched one', () => {
  it('an incident naming by id a deployment that arrives later, inferred until then to an earlier deployment', async () => {
    const repo = new HistoryBuilder('acme/named-late');
    repo.service('named-late', 'shop');
    repo.push('2026-05-01T07:00', [['nl-1', '2026-05-01T06:00']]);
    repo.deploy('nl-d1', 'nl-1', '2026-05-01T08:00');
    // Opened before nl-d2 and nl-d3: inferred to nl-d1, and stays so once nl-d3 arrives (begun after it opened, nl-d3 cannot have caused it).
    repo.incident('inc-nl-early', '2026-05-01T08:30', { service: 'named-late', deploymentIds: ['nl-d3'] });
    repo.push('2026-05-01T08:45', [['nl-2', '2026-05-01T08:40']]);
    repo.deploy('nl-d2', 'nl-2', '2026-05-01T09:00');
    // Opened after nl-d3 (whose statuses have not arrived): inferred to nl-d2 until they do, then linked to nl-d3.
    repo.incident('inc-nl', '2026-05-01T10:30', { service: 'named-late', deploymentIds: ['nl-d3'] });
    const late = new HistoryBuilder('acme/named-late');
    late.push('2026-05-01T09:30', [['nl-3', '2026-05-01T09:20']]);
    late.deploy('nl-d3', 'nl-3', '2026-05-01T10:00');
    const { incremental, full } = await linksAndFacts([repo], [late]);
    expect(linksOf(full.links, 'nl-').sort()).toEqual(['nl-d1:inferred:inc-nl-early', 'nl-d3:explicit:inc-nl']);
    expect(incremental).toEqual(full);
  });

  it('an update of an incident inferred to a deployment before the start (resolved later)', async () => {
    const repo = new HistoryBuilder('acme/resolved-late');
    repo.service('resolved-late', 'shop');
    repo.push('2026-05-02T07:00', [['rl-1', '2026-05-02T06:00']]);
    repo.deploy('rl-d1', 'rl-1', '2026-05-02T08:00');
    repo.incident('inc-rl', '2026-05-02T09:00', { service: 'resolved-late' });
    repo.push('2026-05-02T11:00', [['rl-2', '2026-05-02T10:00']]);
    repo.deploy('rl-d2', 'rl-2', '2026-05-02T12:00');
    const later = new HistoryBuilder('acme/resolved-late');
    later.incident('inc-rl', '2026-05-02T09:00', { service: 'resolved-late', resolved: '2026-05-02T13:00' });
    later.push('2026-05-02T13:30', [['rl-3', '2026-05-02T13:10']]);
    later.deploy('rl-d3', 'rl-3', '2026-05-02T14:00');
    const { incremental, full } = await linksAndFacts([repo], [later]);
    expect(linksOf(full.links, 'rl-')).toEqual(['rl-d1:inferred:inc-rl']);
    expect(full.facts.find((f) => f.id === 'rl-d1')?.recovery_at).toBe('2026-05-02 13:00:00.000');
    expect(incremental).toEqual(full);
  });

  it('a rollback links the deployment it rolls back', async () => {
    const repo = new HistoryBuilder('acme/rolled');
    repo.service('rolled', 'shop');
    repo.push('2026-05-03T07:00', [['ro-1', '2026-05-03T06:00']]);
    repo.deploy('ro-d1', 'ro-1', '2026-05-03T08:00');
    repo.push('2026-05-03T09:00', [['ro-2', '2026-05-03T08:30']]);
    repo.deploy('ro-d2', 'ro-2', '2026-05-03T10:00');
    const later = new HistoryBuilder('acme/rolled');
    later.deploy('ro-d3', 'ro-1', '2026-05-03T11:00');
    const { incremental, full } = await linksAndFacts([repo], [later]);
    expect(linksOf(full.links, 'ro-')).toEqual(['ro-d2:rollback:']);
    expect(incremental).toEqual(full);
  });

  it('a deployment landing before a stored rollback moves its rollback link (the rollback itself is not touched)', async () => {
    const repo = new HistoryBuilder('acme/rolled-late');
    repo.service('rolled-late', 'shop');
    repo.push('2026-05-07T07:00', [['rr-1', '2026-05-07T06:00']]);
    repo.deploy('rr-d1', 'rr-1', '2026-05-07T08:00');
    repo.push('2026-05-07T09:00', [['rr-2', '2026-05-07T08:30']]);
    repo.deploy('rr-d2', 'rr-2', '2026-05-07T10:00');
    repo.deploy('rr-d4', 'rr-1', '2026-05-07T14:00');
    const late = new HistoryBuilder('acme/rolled-late');
    late.push('2026-05-07T11:00', [['rr-3', '2026-05-07T10:30']]);
    // Lands between rr-d2 and the stored rollback rr-d4: rr-d4 now rolls back rr-d3.
    late.deploy('rr-d3', 'rr-3', '2026-05-07T12:00');
    const { incremental, full } = await linksAndFacts([repo], [late]);
    expect(linksOf(full.links, 'rr-')).toEqual(['rr-d3:rollback:']);
    expect(incremental).toEqual(full);
  });

  it('a revert deployed later links a deployment long before the start', async () => {
    const repo = new HistoryBuilder('acme/reverted');
    repo.service('reverted', 'shop');
    repo.push('2026-05-04T07:00', [['rv-1', '2026-05-04T06:00']]);
    repo.deploy('rv-d1', 'rv-1', '2026-05-04T08:00');
    repo.push('2026-05-04T09:00', [['rv-2', '2026-05-04T08:30']]);
    repo.deploy('rv-d2', 'rv-2', '2026-05-04T10:00');
    repo.push('2026-05-04T11:00', [['rv-3', '2026-05-04T10:30']]);
    repo.deploy('rv-d3', 'rv-3', '2026-05-04T12:00');
    const later = new HistoryBuilder('acme/reverted');
    later.push('2026-05-04T12:30', [['rv-4', '2026-05-04T12:20', { reverts: 'rv-1' }]]);
    later.deploy('rv-d4', 'rv-4', '2026-05-04T13:00');
    const { incremental, full } = await linksAndFacts([repo], [later]);
    expect(linksOf(full.links, 'rv-')).toEqual(['rv-d1:revert:']);
    expect(incremental).toEqual(full);
  });

  it('a deployment that lands between a stored one and an incident takes the incident over', async () => {
    const repo = new HistoryBuilder('acme/between');
    repo.service('between', 'shop');
    repo.push('2026-05-06T07:00', [['bw-1', '2026-05-06T06:00']]);
    repo.deploy('bw-d1', 'bw-1', '2026-05-06T08:00');
    repo.incident('inc-bw', '2026-05-06T10:00', { service: 'between' });
    const late = new HistoryBuilder('acme/between');
    late.push('2026-05-06T08:30', [['bw-2', '2026-05-06T08:20']]);
    late.deploy('bw-d2', 'bw-2', '2026-05-06T09:00');
    const { incremental, full } = await linksAndFacts([repo], [late]);
    expect(linksOf(full.links, 'bw-')).toEqual(['bw-d2:inferred:inc-bw']);
    expect(incremental).toEqual(full);
  });

  it('a later status moves a deployment so that an incident falls inside its inference window', async () => {
    const repo = new HistoryBuilder('acme/window');
    repo.service('window', 'shop');
    repo.push('2026-05-05T05:00', [['wi-0', '2026-05-05T04:00']]);
    repo.deploy('wi-d0', 'wi-0', '2026-05-05T06:00');
    repo.push('2026-05-05T07:00', [['wi-1', '2026-05-05T06:30']]);
    repo.deploy('wi-d1', 'wi-1', '2026-05-05T08:00');
    // 25.5 h after wi-d1's first success: outside the 24-hour window.
    repo.incident('inc-wi', '2026-05-06T09:30', { service: 'window' });
    const later = new HistoryBuilder('acme/window');
    // A later success status of wi-d1 (a re-run): 23.5 h before the incident.
    later.deploy('wi-d1', 'wi-1', '2026-05-05T10:00');
    const { incremental, full } = await linksAndFacts([repo], [later]);
    expect(linksOf(full.links, 'wi-')).toEqual(['wi-d1:inferred:inc-wi']);
    expect(incremental).toEqual(full);
  });
});
