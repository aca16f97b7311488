/**
 * Backfill in two steps: collect (API pages → raw records, no bus, no canonical events) and extract
 * (raw record → canonical events through the webhook path). Run apart, the two give what one
 * backfill run gives.
 */
import type { CanonicalEvent } from '@paved/schemas';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryCursorStore } from '../src/backfill-cursor.js';
import { BackfillExtract, type RawRecordSink } from '../src/backfill-extract.js';
import type { BusRecord } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process.js';
import { type Delivery, defaultNormaliseContext, type NormaliseContext } from '../src/delivery.js';
import { GithubApi } from '../src/github/api.js';
import { backfillGithub } from '../src/github/backfill.js';
import { collectGithub } from '../src/github/collect.js';
import { GithubApiStandin } from './github-api-standin.js';
import { githubFixture } from './github-fixture.js';

class RecordingBus extends InProcessBus {
  readonly records: BusRecord[] = [];
  override async publish(records: BusRecord[]): Promise<void> {
    this.records.push(...records);
  }
  eventIds(): string[] {
    return this.records.filter((r) => r.topic === 'events').map((r) => (JSON.parse(r.value) as { id: string }).id).sort();
  }
}

/** Keeps what collect hands over, and nothing else. */
class RecordingSink implements RawRecordSink {
  readonly deliveries: Delivery[] = [];
  readonly entities_: CanonicalEvent[] = [];
  async records(deliveries: readonly Delivery[]): Promise<void> {
    this.deliveries.push(...deliveries);
  }
  async entities(events: readonly CanonicalEvent[]): Promise<void> {
    this.entities_.push(...events);
  }
}

const context: NormaliseContext = { ...defaultNormaliseContext, deploymentWorkflowPattern: /deploy/i };
let standin: GithubApiStandin;

beforeEach(async () => {
  standin = await GithubApiStandin.start({ fixture: githubFixture() });
});
afterEach(async () => standin.close());

const api = () => GithubApi.connect({ apiUrl: standin.url, auth: { kind: 'token', token: 'standin-token' }, graphqlIntervalMs: 0 });

describe('GitHub backfill: collect and extract', () => {
  it('collect hands over raw GitHub records only (webhook events and backfill.* events), with deterministic ids', async () => {
    const sink = new RecordingSink();
    const collected = await collectGithub({ api: await api(), cursors: new MemoryCursorStore(), out: sink, context, org: 'acme' });
    expect(collected.repos).toEqual(['acme/platform-monorepo', 'acme/web', 'acme/payments-api']);
    expect(sink.deliveries.length).toBeGreaterThan(0);
    expect(new Set(sink.deliveries.map((d) => d.source))).toEqual(new Set(['github']));
    expect(new Set(sink.deliveries.map((d) => d.event))).toEqual(new Set(['backfill.pull_request', 'backfill.commit', 'backfill.compare', 'deployment', 'deployment_status', 'workflow_run', 'issues', 'release']));
    expect(sink.deliveries.every((d) => d.deliveryId.startsWith('backfill:'))).toBe(true);
    expect(sink.entities_.every((e) => e.source === 'catalog')).toBe(true);
    expect(collected.fetched.catalogFiles).toBeGreaterThan(0);
  });

  it('extracting the collected records gives the same events as one backfill run', async () => {
    const sink = new RecordingSink();
    await collectGithub({ api: await api(), cursors: new MemoryCursorStore(), out: sink, context, org: 'acme' });
    const apart = new RecordingBus();
    const extract = new BackfillExtract({ bus: apart, context });
    await extract.records(sink.deliveries);
    await extract.entities(sink.entities_);

    const together = new RecordingBus();
    const result = await backfillGithub({ api: await api(), bus: together, cursors: new MemoryCursorStore(), context, org: 'acme' });
    expect(apart.eventIds()).toEqual(together.eventIds());
    expect(extract.counts).toEqual({ deliveries: result.deliveries, events: result.events, deadLettered: result.deadLettered, ignored: result.ignored });
  });
});

describe('the extract step', () => {
  it('counts what a record became: events, ignored, dead-lettered', async () => {
    const bus = new RecordingBus();
    const extract = new BackfillExtract({ bus, context });
    const at = '2026-01-05T10:00:00Z';
    await extract.records([
      { source: 'github', event: 'backfill.commit', deliveryId: 'backfill:acme/web:commit:broken', receivedAt: at, payload: { repository: { full_name: 'acme/web' } } },
      { source: 'github', event: 'ping', deliveryId: 'backfill:acme/web:ping:1', receivedAt: at, payload: { zen: 'Keep it logically awesome.' } },
    ]);
    expect(extract.counts).toMatchObject({ deliveries: 2, deadLettered: 1, ignored: 1, events: 0 });
    // The dead letter travels with its raw record, as a webhook's would.
    expect(bus.records.some((r) => r.topic !== 'events')).toBe(true);
  });
});
