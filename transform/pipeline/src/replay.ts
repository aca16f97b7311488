import { type Bus, type BusRecord, type Delivery, encodeDeadLetter, encodeEvent, normalise, type NormaliseContext } from '@paved/ingest';
import { EventSource, parseInstant } from '@paved/schemas';
import { z } from 'zod';
import type { Warehouse } from '@paved/warehouse';

/*
 * `paved replay`: every archived delivery (raw_deliveries) through the current normalisers and
 * mapping again. Event ids depend only on the delivery (source, delivery id, natural key), so a
 * replay rewrites the same rows the first pass wrote (the entity tables deduplicate on their
 * natural keys) and adds only what the current normalisers make of deliveries they once ignored
 * or dead-lettered. The archive itself is not rewritten: the first copy of a delivery stays.
 */

export interface ReplayOptions {
  /** Only deliveries received at or after this time (ISO 8601 or YYYY-MM-DD). */
  from?: string | null;
  source?: EventSource | null;
  /** Deliveries read per query. */
  pageSize?: number;
}

export interface ReplayReport {
  deliveries: number;
  events: number;
  /** Outcomes under the current normalisers. */
  ok: number;
  ignored: number;
  deadLettered: number;
  /** Deliveries whose outcome differs from the one archived (e.g. ignored then, ok now). */
  changedOutcome: number;
  ms: number;
}

const RawRow = z.object({
  source: z.string(),
  delivery_id: z.string(),
  event: z.string(),
  received_at: z.string(),
  received_ms: z.coerce.number(),
  payload: z.string(),
  outcome: z.string(),
});
type RawRow = z.infer<typeof RawRow>;

const CountRow = z.object({ n: z.coerce.number() });

const FILTER = `received_at >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC') AND ({source:String} = '' OR source = {source:String})`;

/** Re-normalises the archive page by page (ordered by received_at, source, delivery id) and publishes what comes out. */
export async function replayRawDeliveries(
  warehouse: Warehouse,
  bus: Bus,
  context: NormaliseContext,
  options: ReplayOptions = {},
  onProgress?: (done: number, total: number) => void,
): Promise<ReplayReport> {
  const started = performance.now();
  const fromMs = options.from ? Date.parse(parseInstant(options.from) ?? 'invalid') : 0;
  if (Number.isNaN(fromMs)) throw new Error(`--from "${options.from}" is not a date: use YYYY-MM-DD or an ISO 8601 time`);
  const source = options.source ?? '';
  const pageSize = options.pageSize ?? 2_000;
  const [count] = await warehouse.query(`SELECT count() AS n FROM {{db}}.raw_deliveries FINAL WHERE ${FILTER}`, { fromMs, source }, CountRow);
  const total = count?.n ?? 0;
  const report: ReplayReport = { deliveries: 0, events: 0, ok: 0, ignored: 0, deadLettered: 0, changedOutcome: 0, ms: 0 };
  onProgress?.(0, total);

  // Keyset pagination: resumes after the last row of the previous page, so a page never repeats or skips rows.
  let after = { ms: -1, source: '', id: '' };
  for (;;) {
    const rows = await warehouse.query(
      `SELECT source, delivery_id, event, received_at, toUnixTimestamp64Milli(received_at) AS received_ms, payload, outcome
       FROM {{db}}.raw_deliveries FINAL
       WHERE ${FILTER}
         AND (toUnixTimestamp64Milli(received_at), source, delivery_id) > ({afterMs:Int64}, {afterSource:String}, {afterId:String})
       ORDER BY received_at, source, delivery_id
       LIMIT {limit:UInt32}`,
      { fromMs, source, afterMs: after.ms, afterSource: after.source, afterId: after.id, limit: pageSize },
      RawRow,
    );
    if (rows.length === 0) break;
    const records: BusRecord[] = [];
    for (const row of rows) replayRow(row, context, records, report);
    if (records.length) await bus.publish(records);
    const last = rows[rows.length - 1]!;
    after = { ms: last.received_ms, source: last.source, id: last.delivery_id };
    onProgress?.(report.deliveries, Math.max(total, report.deliveries));
    if (rows.length < pageSize) break;
  }
  report.ms = Math.round(performance.now() - started);
  return report;
}

function replayRow(row: RawRow, context: NormaliseContext, records: BusRecord[], report: ReplayReport): void {
  report.deliveries += 1;
  const source = EventSource.safeParse(row.source);
  const receivedAt = parseInstant(row.received_at) ?? new Date(row.received_ms).toISOString();
  const payload = archivedPayload(row.payload);
  const delivery: Delivery = { source: source.success ? source.data : 'generic', event: row.event, deliveryId: row.delivery_id, receivedAt, payload };
  const outcome = !source.success
    ? { kind: 'dlq' as const, reason: `archived source "${row.source}" is unknown` }
    : payload === undefined
      ? { kind: 'dlq' as const, reason: 'archived payload is not JSON' }
      : normalise(delivery, context);
  if (outcome.kind !== row.outcome) report.changedOutcome += 1;
  if (outcome.kind === 'ok') {
    report.ok += 1;
    report.events += outcome.events.length;
    for (const event of outcome.events) records.push(encodeEvent(event));
    return;
  }
  if (outcome.kind === 'ignored') {
    report.ignored += 1;
    return;
  }
  report.deadLettered += 1;
  // Same key as the first dead letter of this delivery: the dead_letters table keeps one row for it.
  const key = `${row.source}:${row.delivery_id}`;
  records.push(encodeDeadLetter({
    key, value: row.payload, headers: { 'paved-source': row.source, 'paved-event': row.event }, reason: outcome.reason,
    step: 'normalise', failed_at: receivedAt, source_topic: null, source_partition: null, source_offset: null,
  }));
}

/** The archived body as JSON, including GitHub's form-encoded deliveries (`payload=<json>`); undefined when it is neither. */
export function archivedPayload(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const form = new URLSearchParams(text).get('payload');
    if (form === null) return undefined;
    try {
      return JSON.parse(form) as unknown;
    } catch {
      return undefined;
    }
  }
}
