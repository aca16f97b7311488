import type { CanonicalEvent } from '@paved/schemas';
import { type Bus, encodeEvent } from './bus/bus.js';
import type { Delivery, NormaliseContext } from './delivery.js';
import type { Logger } from './log.js';
import { receiveDelivery } from './receive.js';
import type { SourceRegistry } from './sources/registry.js';

/*
 * A backfill runs in two steps (docs/sources/adding-a-source.md, "Backfill"):
 * - collect: the source's API, page by page, resumable by cursor and rate-limit aware, into raw
 *   records: deliveries shaped like the source's webhooks, or events of its own (`backfill.*`) for
 *   what no webhook carries. Collect knows nothing of the bus or of canonical events.
 * - extract: each raw record into canonical events through receiveDelivery, the path every webhook
 *   delivery takes (raw archive, the source's normaliser or its `backfill.extract`, the bus), so
 *   `paved replay` re-derives the same events from the archive.
 */

/** Where collect hands what it fetched. */
export interface RawRecordSink {
  /** Raw records, in the order the webhooks would have arrived; resolved once the bus accepted them (a cursor may move after). */
  records(deliveries: readonly Delivery[]): Promise<void>;
  /** Entities read from files rather than from events (catalog-info.yaml → catalog entities): published as they are. */
  entities(events: readonly CanonicalEvent[]): Promise<void>;
}

export interface ExtractCounts {
  /** Raw records sent through the webhook path. */
  deliveries: number;
  /** Canonical events published (from records and entities). */
  events: number;
  deadLettered: number;
  ignored: number;
}

export interface BackfillExtractOptions {
  bus: Bus;
  context: NormaliseContext;
  /** The sources to normalise with (default: every source Paved ships). */
  sources?: SourceRegistry;
  log?: Logger;
}

/** The extract step: raw record → canonical events, counted, with dead-lettered records logged. */
export class BackfillExtract implements RawRecordSink {
  readonly counts: ExtractCounts = { deliveries: 0, events: 0, deadLettered: 0, ignored: 0 };

  constructor(private readonly options: BackfillExtractOptions) {}

  async records(deliveries: readonly Delivery[]): Promise<void> {
    const { bus, context, sources, log } = this.options;
    for (const delivery of deliveries) {
      const result = await receiveDelivery(delivery, JSON.stringify(delivery.payload), bus, context, undefined, undefined, sources);
      this.counts.deliveries += 1;
      this.counts.events += result.events;
      if (result.outcome === 'dlq') {
        this.counts.deadLettered += 1;
        log?.('warn', 'backfill delivery dead-lettered', { delivery_id: delivery.deliveryId, reason: result.reason });
      }
      if (result.outcome === 'ignored') this.counts.ignored += 1;
    }
  }

  async entities(events: readonly CanonicalEvent[]): Promise<void> {
    if (!events.length) return;
    await this.options.bus.publish(events.map(encodeEvent));
    this.counts.events += events.length;
  }
}
