import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catalogScopeWhere, dayStart, type DoraQuery, scopeParams, scopeWhere, wholeWeeksOf } from '../src/metrics/dora.js';
import { rebuildDoraDaily } from '../src/metrics/rebuild.js';
import { SqlFile, sqlFile, sqlFragment } from '../src/metrics/sql-files.js';
import { openTestWarehouse } from './harness.js';
import { seededRandom as random } from '@paved/schemas';

/*
 * The team and organisation DORA statement (queries/dora/scope.sql) reads one table, t_dora_daily,
 * which the transform fills from t_deployment_facts, t_changes, t_incidents and the catalog
 * (models/t_dora_daily.sql). The oracle is the statement it replaced, which read those tables
 * directly (test/fixtures/dora-scope-entities.sql). On random derived rows (teams that move, services
 * in and out of the catalog, deprecated and golden-path ones, failures with and without recovery,
 * changes without a lead time, unresolved incidents, years of history) and random windows, teams and
 * golden-path filters, both must answer the same row, value for value.
 */

const ROUNDS = Number(process.env.DORA_DAILY_ROUNDS ?? 10);
const QUERIES_PER_ROUND = 20;
const Any = z.record(z.string(), z.unknown());

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const oracle = new SqlFile('dora-scope-entities', readFileSync(join(import.meta.dirname, 'fixtures/dora-scope-entities.sql'), 'utf8')
  .replace(/\{\{>\s*([a-z0-9_]+)\s*\}\}/g, (_m, name: string) => sqlFragment(name)));
const scopeSql = sqlFile('queries/dora/scope');

const TEAMS = ['core', 'payments', 'unassigned'];
const START = Date.parse('2024-06-01T00:00:00Z');
const SPAN_DAYS = 900;
const ts = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Random derived rows: the catalog, production deployments with their facts, changes and incidents. */
async function fill(seed: number): Promise<void> {
  const rnd = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const w = env.warehouse;
  for (const table of ['catalog_entities', 't_deployments', 't_deployment_facts', 't_changes', 't_incidents']) await w.command(`TRUNCATE TABLE {{db}}.${table}`);
  const services = Array.from({ length: 3 + Math.floor(rnd() * 8) }, (_, i) => `s${i}`);
  const catalog = services.filter(() => rnd() < 0.7);
  // A service outside the live catalog (never in it, or deprecated) keeps one team and golden path, as
  // the transform derives them (the mapping, the catalog entry) for all its rows alike; rows of a live
  // catalog service may carry another team and golden path than the catalog's, which must not matter.
  const home = new Map(services.map((s) => [s, { team: pick(TEAMS), golden: rnd() < 0.3 }]));
  const live = new Set<string>();
  await w.insert('catalog_entities', catalog.map((service) => {
    const lifecycle = rnd() < 0.15 ? 'deprecated' : pick([null, 'production']);
    if (lifecycle !== 'deprecated') live.add(service);
    return {
      service, team: rnd() < 0.1 ? null : pick(TEAMS), annotations: rnd() < 0.2 ? { 'backstage.io/source-template': 'tpl' } : {},
      source_template: rnd() < 0.2 ? 'svc-template' : null, lifecycle, updated_at: ts(START), event_id: `${seed}-${service}`,
    };
  }));
  const deployments: Record<string, unknown>[] = [];
  const facts: Record<string, unknown>[] = [];
  const changes: Record<string, unknown>[] = [];
  const incidents: Record<string, unknown>[] = [];
  for (const service of [...services, 'unknown']) {
    // Some services deploy rarely: whether they count for the catalog turns on the 12 months before the window.
    const count = rnd() < 0.35 ? 1 + Math.floor(rnd() * 3) : Math.floor(rnd() * 40);
    for (let i = 0; i < count; i += 1) {
      const at = START + Math.floor(rnd() * SPAN_DAYS * 86_400_000);
      const own = live.has(service) && rnd() < 0.3 ? { team: pick(TEAMS), golden: rnd() < 0.5 } : home.get(service) ?? { team: 'unassigned', golden: false };
      const id = `${seed}-${service}-${i}`;
      const failed = rnd() < 0.25;
      deployments.push({
        id, repo: `acme/${service}`, service, service_via: 'catalog', team: own.team, environment: 'production', is_production: true, sha: id, status: 'success',
        started_at: ts(at), deployed_at: ts(at), source_system: 'github', golden_path: own.golden, via_platform: false,
      });
      facts.push({
        id, repo: `acme/${service}`, service, team: own.team, golden_path: own.golden, via_platform: false, deployed_at: ts(at), change_set_method: 'compare', commits: 1,
        failed, recovery_hours: failed && rnd() < 0.7 ? Math.round(rnd() * 4000) / 100 : null, rework: rnd() < 0.15,
      });
      for (let c = Math.floor(rnd() * 4); c > 0; c -= 1) {
        changes.push({
          deployment_id: id, service, team: own.team, golden_path: own.golden, deployed_at: ts(at), repo: `acme/${service}`, sha: `${id}-c${c}`, via: 'compare',
          lead_hours: rnd() < 0.15 ? null : rnd() < 0.1 ? 0 : Math.round(rnd() * 20000) / 100, is_revert: false, fix_pr: false,
        });
      }
    }
    for (let i = Math.floor(rnd() * 12); i > 0; i -= 1) {
      const opened = START + Math.floor(rnd() * SPAN_DAYS * 86_400_000);
      const own = home.get(service) ?? { team: 'unassigned', golden: false };
      incidents.push({
        id: `${seed}-${service}-i${i}`, source: 'pagerduty', service, team: own.team, golden_path: own.golden, severity: 'high', title: 'x', status: 'resolved',
        opened_at: ts(opened), resolved_at: rnd() < 0.8 ? ts(opened + Math.floor(rnd() * 50 * 3_600_000)) : null, linked_deployment_ids: [], linked_shas: [],
      });
    }
  }
  if (deployments.length) await w.insert('t_deployments', deployments);
  if (facts.length) await w.insert('t_deployment_facts', facts);
  if (changes.length) await w.insert('t_changes', changes);
  if (incidents.length) await w.insert('t_incidents', incidents);
  await rebuildDoraDaily(w);
}

function randomQuery(rnd: () => number): DoraQuery {
  const from = START + Math.floor(rnd() * SPAN_DAYS) * 86_400_000 - 30 * 86_400_000;
  const days = [1, 3, 7, 13, 28, 90, 365, 1000][Math.floor(rnd() * 8)]!;
  const team = rnd() < 0.4 ? undefined : TEAMS[Math.floor(rnd() * TEAMS.length)];
  const goldenPath = rnd() < 0.5 ? undefined : rnd() < 0.5;
  return { from: day(from), to: day(from + days * 86_400_000), ...(team ? { team } : {}), ...(goldenPath === undefined ? {} : { goldenPath }) } as DoraQuery;
}

beforeAll(async () => {
  env = await openTestWarehouse();
});
afterAll(async () => env?.close());

describe('t_dora_daily and the team and organisation DORA statement', () => {
  it(`answer as the statement on the entity-level tables did, on ${ROUNDS} random histories × ${QUERIES_PER_ROUND} queries`, async () => {
    let nonEmpty = 0;
    for (let seed = 1; seed <= ROUNDS; seed += 1) {
      await fill(seed);
      const rnd = random(seed * 7919);
      for (let q = 0; q < QUERIES_PER_ROUND; q += 1) {
        const query = randomQuery(rnd);
        const { firstMonday, wholeWeeks } = wholeWeeksOf(query.from, query.to);
        const params = {
          from: dayStart(query.from), to: dayStart(query.to), from_day: query.from, to_day: query.to, first_monday: firstMonday, whole_weeks: wholeWeeks,
          ...scopeParams(query),
        };
        const [expected] = await env.warehouse.query(oracle.for(env.warehouse, { scope: scopeWhere(query) }), params, Any);
        const [actual] = await env.warehouse.query(scopeSql.for(env.warehouse, { scope: scopeWhere(query), catalog_scope: catalogScopeWhere(query) }), params, Any);
        expect(actual, `seed ${seed}, ${JSON.stringify(query)}`).toEqual(expected);
        if (Number(expected?.deployments) > 0) nonEmpty += 1;
      }
    }
    // The property is about answers with rows in them: most queries must have had some.
    expect(nonEmpty).toBeGreaterThan(ROUNDS * QUERIES_PER_ROUND * 0.4);
  }, 240_000);
});
