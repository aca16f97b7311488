/**
 * Counts people see are over deduplicated rows. Event tables are ReplacingMergeTree: a delivery
 * written twice (crash recovery re-sends what the journal holds) stays two rows until a merge, so a
 * plain count() over-counts; reads that count for users use FINAL (or an equivalent dedupe).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataHealth } from '../src/metrics/explore.js';
import { openTestWarehouse } from './harness.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('Data health counts each delivery once', () => {
  let env: Awaited<ReturnType<typeof openTestWarehouse>>;
  beforeAll(async () => { env = await openTestWarehouse(); });
  afterAll(async () => env?.close());

  it('a delivery stored twice (as after crash recovery) is one delivery on Data health', async () => {
    const row = (deliveryId: string, outcome: string) => ({
      source: 'github', delivery_id: deliveryId, event: 'push', received_at: '2026-03-01 10:00:00.000', payload: '{}', outcome, reason: outcome === 'dlq' ? 'bad' : '', keep_first: 1,
    });
    // Separate inserts are separate parts: nothing has merged them yet.
    await env.warehouse.insert('raw_deliveries', [row('d-1', 'ok'), row('d-2', 'dlq')]);
    await env.warehouse.insert('raw_deliveries', [row('d-1', 'ok'), row('d-2', 'dlq')]);
    const health = await dataHealth(env.warehouse);
    expect(health.sources).toEqual([expect.objectContaining({ source: 'github', deliveries: 2, dead_lettered: 1 })]);
  });
});

/** ReplacingMergeTree tables, from the migrations. */
function replacingTables(): Set<string> {
  const tables = new Set<string>();
  const dir = join(ROOT, 'transform', 'warehouse', 'migrations');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql'))) {
    const sql = readFileSync(join(dir, file), 'utf8');
    for (const match of sql.matchAll(/CREATE TABLE IF NOT EXISTS \{\{db\}\}\.(\w+)[^;]*?ENGINE = ReplacingMergeTree/g)) tables.add(match[1]!);
  }
  return tables;
}

/**
 * Reads of a ReplacingMergeTree table without FINAL in the modules that compute what people see,
 * each with why it does not over-count.
 */
const DEDUPLICATED_OTHERWISE: Record<string, string> = {
  'transform/src/metrics/sql-links.ts failure_link_overrides': 'argMax(…, set_at) GROUP BY the table key',
  'transform/src/metrics/sql-deployments.ts mapping_overrides': 'argMax(service, set_at) GROUP BY the table key',
  'transform/src/metrics/assumptions.ts roi_assumptions': 'argMax(…, set_at) GROUP BY the table key',
  'transform/src/metrics/explore.ts raw_deliveries': 'the assumptions count is uniqExact(delivery_id)',
  'transform/src/metrics/explore.ts commits': 'any(message) GROUP BY repo, sha (copies are identical)',
  'transform/src/metrics/sql-links.ts pull_request_commits': 'a set of (repo, number, sha) read through min/argMin and GROUP BY',
  'transform/src/metrics/sql-links.ts commits': 'min(authored_at) GROUP BY the pull request',
  'transform/src/metrics/change-sets.ts pull_request_commits': 'groupUniqArray((position, sha)): a copy adds no commit',
  'transform/src/metrics/increment.ts pull_request_commits': 'which pull requests and shas a batch touches, used as a set of keys (IN, DISTINCT); the narrowed copy of sql-links\' statement keeps its min/argMin GROUP BY',
  'transform/src/metrics/increment.ts pushes': 'which repositories a batch\'s pushes can re-walk (SELECT DISTINCT repo): a copy of a push adds no repository',
  'transform/src/metrics/increment.ts pull_requests': 'which repositories and pull requests a batch touches, as a set of keys (DISTINCT, IN): a copy or an older version only widens what is recomputed; the PR-flow rows through finalRows (without FINAL only when no key has two versions)',
  'transform/src/metrics/increment.ts commits': 'the narrowed copy of sql-links\' PR-flow statement: min(authored_at) GROUP BY the pull request; and the (repo, sha) keys the revert commits are then read for with FINAL (IN: a copy adds no key)',
  'transform/src/metrics/increment.ts reviews': 'finalRows: read without FINAL only when no key in scope has two versions stored (count() = uniqExact of the sort key), else again with FINAL',
  'transform/src/metrics/change-sets.ts pushes': 'the keys of the pushes an increment\'s walk asks for, then read with FINAL (IN: a copy adds no key)',
};

describe('every user-facing read of a ReplacingMergeTree table deduplicates', () => {
  it('uses FINAL, or is listed with the reason it cannot over-count', () => {
    const tables = replacingTables();
    expect(tables.has('raw_deliveries')).toBe(true);
    const files = [
      ...['dashboard/lib', 'transform/src/metrics', 'surveys/src'].flatMap((dir) => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.ts')).map((f) => `${dir}/${f}`)),
      'insights/src/digest/content.ts',
    ];
    const offenders: string[] = [];
    for (const file of files) {
      const source = readFileSync(join(ROOT, file), 'utf8');
      for (const match of source.matchAll(/(?:FROM|JOIN) \{\{db\}\}\.(\w+)(\s+(?:AS \w+\s+)?FINAL)?/g)) {
        const [, table, final] = match;
        if (!tables.has(table!) || final) continue;
        if (DEDUPLICATED_OTHERWISE[`${file} ${table}`]) continue;
        offenders.push(`${file}: {{db}}.${table} without FINAL`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
