import { type Bus, type BusRecord, DeadLetter, type Delivery, defaultNormaliseContext, encodeEvent, type NormaliseContext, normalise } from '@paved/ingest';
import { EventSource } from '@paved/schemas';
import { z } from 'zod';
import type { Warehouse } from '@paved/warehouse';

/** A `dead_letters` row as read back. */
export const DeadLetterRow = DeadLetter.extend({ id: z.string(), replayed_at: z.string().nullable() });
export type DeadLetterRow = z.infer<typeof DeadLetterRow>;

export interface ReplayOptions {
  /** Replay at most this many dead letters, oldest first. */
  limit: number;
  /** For `normalise` letters: the settings the normalisers run with (paved.config.yaml). */
  context?: NormaliseContext;
}

export interface ReplayProgress {
  /** Dead letters looked at so far, of `total`. */
  done: number;
  total: number;
  /** Re-driven onto the bus and marked replayed. */
  replayed: number;
  /** Messages published for them (a normalised delivery can yield several events). */
  published: number;
  /** Left as they are: nothing to re-drive (no original message, or a step that cannot be replayed). */
  skipped: number;
  /** Normalisation still refuses them; left unreplayed. */
  stillFailing: number;
}

export interface ReplayReport extends ReplayProgress {
  /** Why letters were skipped or still fail (the first 20). */
  problems: { id: string; step: string; reason: string }[];
}

type Plan = { kind: 'replay'; records: BusRecord[] } | { kind: 'skip'; reason: string } | { kind: 'failing'; reason: string };

/** Topics a dead letter's message may go back to (never `dlq`: that would loop). */
const REPLAYABLE_TOPICS = new Set(['events', 'raw']);
const CHUNK = 500;

/** The archived body of a delivery as the normaliser expects it: JSON, or GitHub's form encoding. */
function payloadOf(body: string): { ok: true; payload: unknown } | { ok: false } {
  try {
    return { ok: true, payload: JSON.parse(body) };
  } catch {
    const form = new URLSearchParams(body).get('payload');
    if (form === null) return { ok: false };
    try {
      return { ok: true, payload: JSON.parse(form) };
    } catch {
      return { ok: false };
    }
  }
}

/** What replaying one dead letter means: the original message back to its topic, or the delivery normalised again. */
export function planReplay(letter: DeadLetterRow, context: NormaliseContext = defaultNormaliseContext): Plan {
  if (letter.step === 'normalise') {
    const source = EventSource.safeParse(letter.headers['paved-source']);
    const event = letter.headers['paved-event'];
    const separator = letter.key?.indexOf(':') ?? -1;
    if (!source.success || event === undefined || letter.key === null || separator < 0) return { kind: 'skip', reason: 'no source, event or delivery id recorded with the delivery' };
    const body = payloadOf(letter.value);
    if (!body.ok) return { kind: 'skip', reason: 'the archived body is neither JSON nor a form with a JSON payload' };
    const receivedAt = new Date(letter.failed_at);
    const delivery: Delivery = {
      source: source.data, event, deliveryId: letter.key.slice(separator + 1),
      receivedAt: Number.isNaN(receivedAt.getTime()) ? new Date().toISOString() : receivedAt.toISOString(), payload: body.payload,
    };
    const outcome = normalise(delivery, context);
    if (outcome.kind === 'dlq') return { kind: 'failing', reason: outcome.reason };
    return { kind: 'replay', records: outcome.kind === 'ok' ? outcome.events.map(encodeEvent) : [] };
  }
  if (letter.step === 'validate' || letter.step.startsWith('insert')) {
    const topic = letter.source_topic;
    if (topic === null || !REPLAYABLE_TOPICS.has(topic)) return { kind: 'skip', reason: `no original message to re-drive (source topic ${topic ?? 'unknown'})` };
    return { kind: 'replay', records: [{ topic: topic as 'events' | 'raw', key: letter.key, value: letter.value, headers: letter.headers }] };
  }
  return { kind: 'skip', reason: `step "${letter.step}" cannot be replayed` };
}

/**
 * Re-drives dead letters that were not replayed yet, oldest first: each goes back onto the bus
 * (validate/insert: the original message to its topic; normalise: the delivery normalised again)
 * and is then marked replayed by inserting its row again with `replayed_at` set (the table is
 * ReplacingMergeTree by id). Published before marked, so a crash in between replays again, which
 * the idempotent event tables absorb.
 */
export async function replayDeadLetters(warehouse: Warehouse, bus: Bus, options: ReplayOptions, onProgress: (progress: ReplayProgress) => void = () => {}): Promise<ReplayReport> {
  const letters = await warehouse.query(
    `SELECT id, key, value, headers, reason, step, failed_at, source_topic, source_partition, source_offset, replayed_at
     FROM {{db}}.dead_letters FINAL WHERE replayed_at IS NULL ORDER BY failed_at, id LIMIT {limit:UInt32}`,
    { limit: options.limit },
    DeadLetterRow,
  );
  const report: ReplayReport = { done: 0, total: letters.length, replayed: 0, published: 0, skipped: 0, stillFailing: 0, problems: [] };
  onProgress({ ...report });
  for (let start = 0; start < letters.length; start += CHUNK) {
    const chunk = letters.slice(start, start + CHUNK);
    const records: BusRecord[] = [];
    const replayed: DeadLetterRow[] = [];
    for (const letter of chunk) {
      const plan = planReplay(letter, options.context);
      if (plan.kind === 'replay') {
        records.push(...plan.records);
        replayed.push(letter);
        continue;
      }
      if (plan.kind === 'skip') report.skipped += 1;
      else report.stillFailing += 1;
      if (report.problems.length < 20) report.problems.push({ id: letter.id, step: letter.step, reason: plan.reason });
    }
    if (records.length > 0) await bus.publish(records);
    const replayedAt = new Date().toISOString();
    await warehouse.insert('dead_letters', replayed.map((letter) => ({ ...letter, replayed_at: replayedAt })));
    report.replayed += replayed.length;
    report.published += records.length;
    report.done += chunk.length;
    onProgress({ done: report.done, total: report.total, replayed: report.replayed, published: report.published, skipped: report.skipped, stillFailing: report.stillFailing });
  }
  return report;
}
