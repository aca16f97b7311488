import { type BusRecord, type DeadLetter, encodeEvent } from '@paved/ingest';
import { CanonicalEvent } from '@paved/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ReplayProgress, replayDeadLetters } from '../src/dlq.js';
import { rowOfDeadLetter } from '../src/rows.js';
import { deadLetterId } from '../src/sink.js';
import { event, openTestWarehouse } from '../../test/harness.js';

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
/** Everything replay publishes, seen on its way to the real in-process bus (whose sink inserts it). */
const published: BusRecord[] = [];

beforeAll(async () => {
  env = await openTestWarehouse();
  const publish = env.bus.publish.bind(env.bus);
  env.bus.publish = async (records) => {
    published.push(...records);
    await publish(records);
  };
});
afterAll(async () => env?.close());

const Count = z.object({ n: z.coerce.number() });
const count = async (sql: string) => (await env.warehouse.query(sql, {}, Count))[0]!.n;

const commitEvent = (sha: string) => CanonicalEvent.parse(event('commit', {
  sha, repo: 'acme/dlq', author: { login: 'a', name: null, email: null, bot: false }, authored_at: '2026-01-01T00:00:00.000Z',
  committed_at: '2026-01-01T00:00:00.000Z', message: 'm', parents: [], reverts_sha: null,
}));

const githubPush = (sha: string, ref: string | undefined) => JSON.stringify({
  ...(ref ? { ref } : {}), before: '0'.repeat(40), after: sha.padEnd(40, '0'), repository: { full_name: 'acme/dlq', name: 'dlq' },
  commits: [{ id: sha.padEnd(40, '0'), message: 'fix', timestamp: '2026-01-02T00:00:00Z', author: { name: 'a', email: 'a@x', username: 'a' } }], pusher: { name: 'a' },
});

function letter(overrides: Partial<DeadLetter> & Pick<DeadLetter, 'step' | 'value' | 'failed_at'>): DeadLetter {
  return { key: null, headers: {}, reason: 'it failed', source_topic: null, source_partition: null, source_offset: null, ...overrides };
}

async function deadLetters(letters: DeadLetter[]): Promise<void> {
  await env.warehouse.insert('dead_letters', letters.map((l) => rowOfDeadLetter(l, deadLetterId(l))));
}

describe('paved dlq replay (replayDeadLetters)', () => {
  const validated = encodeEvent(commitEvent('dddddd01'));

  beforeAll(async () => {
    await deadLetters([
      // An event the sink refused (say, before a schema fix): its original message goes back to `events`.
      letter({ step: 'validate', key: validated.key, value: validated.value, headers: validated.headers, failed_at: '2026-01-01T00:00:01.000Z', source_topic: 'events', source_partition: 2, source_offset: '41' }),
      // A delivery the normaliser refused, now accepted: normalised again into a push and its commit.
      letter({ step: 'normalise', key: 'github:delivery-7', value: githubPush('dddddd02', 'refs/heads/main'), headers: { 'paved-source': 'github', 'paved-event': 'push' }, failed_at: '2026-01-01T00:00:02.000Z' }),
      // Still not normalisable (no after, no head commit; a push without ref is accepted since issue 14): stays a dead letter, not marked.
      letter({ step: 'normalise', key: 'github:delivery-8', value: JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'acme/dlq', name: 'dlq' }, commits: [] }), headers: { 'paved-source': 'github', 'paved-event': 'push' }, failed_at: '2026-01-01T00:00:03.000Z' }),
      // A row ClickHouse refused without the message that carried it: nothing to re-drive.
      letter({ step: 'insert:commits', value: '{"repo":"acme/dlq"}', failed_at: '2026-01-01T00:00:04.000Z' }),
    ]);
  });

  it('with --limit 1 re-drives only the oldest dead letter', async () => {
    const report = await replayDeadLetters(env.warehouse, env.bus, { limit: 1 });
    expect(report).toMatchObject({ total: 1, replayed: 1, published: 1, skipped: 0, stillFailing: 0 });
    expect(published).toEqual([{ topic: 'events', key: validated.key, value: validated.value, headers: validated.headers }]);
  });

  it('sends the rest back, normalising deliveries again, marks what it replayed and reports the rest', async () => {
    const progress: ReplayProgress[] = [];
    const report = await replayDeadLetters(env.warehouse, env.bus, { limit: 100 }, (p) => progress.push(p));
    await env.bus.drained();
    expect(report).toMatchObject({ total: 3, done: 3, replayed: 1, published: 2, skipped: 1, stillFailing: 1 });
    expect(report.problems.map((p) => p.step).sort()).toEqual(['insert:commits', 'normalise']);
    expect(report.problems.find((p) => p.step === 'normalise')?.reason).toBe('push without after or head_commit.id');
    expect(progress.at(-1)).toMatchObject({ done: 3, total: 3 });

    expect(await count(`SELECT count() AS n FROM {{db}}.commits FINAL WHERE repo = 'acme/dlq'`)).toBe(2);
    expect(await count(`SELECT count() AS n FROM {{db}}.pushes FINAL WHERE repo = 'acme/dlq'`)).toBe(1);
    expect(await count('SELECT count() AS n FROM {{db}}.dead_letters FINAL WHERE replayed_at IS NOT NULL')).toBe(2);
  });

  it('a second run finds only the letters that could not be replayed', async () => {
    const report = await replayDeadLetters(env.warehouse, env.bus, { limit: 100 });
    expect(report).toMatchObject({ total: 2, replayed: 0, skipped: 1, stillFailing: 1 });
  });
});
