import {
  CanonicalEvent, SCHEMA_VERSION, describeIssues, parseInstant,
  type Actor, type CanonicalEventInput, type EventType, type Incident, type Instant,
} from '@paved/schemas';
import type { z } from 'zod';
import type { Delivery, NormaliseContext, NormaliseOutcome, Normaliser } from './delivery.js';
import { implausibleTime, plausibleNumericId } from './plausibility.js';

/*
 * Shared by the source normalisers: reading untrusted payloads field by field (never `as T`),
 * building the canonical envelope, and validating what comes out.
 */

export type Fields = Record<string, unknown>;

/** The value as an object, or undefined when it is anything else (null, array, text...). */
export function fields(value: unknown): Fields | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : undefined;
}

/** Non-empty text, trimmed; undefined otherwise. */
export function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * An identifier that senders write as a number or as text. A number must be a plausible id (a
 * whole number from 1 to 2^53 - 1): -1 or 1e+300 throws ImplausibleValue, which dead-letters the delivery.
 */
export function identifier(value: unknown): string | undefined {
  if (typeof value === 'number') return plausibleNumericId(value);
  return text(value);
}

/** A whole number from 1 to 2^53 - 1 (a number or digits), else undefined. */
export function positiveInteger(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number > 0 ? number : undefined;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

const SHA = /^[0-9a-f]{7,64}$/i;

/** A git sha in lower case, or undefined when the value is not one. */
export function sha(value: unknown): string | undefined {
  const candidate = text(value);
  return candidate && SHA.test(candidate) ? candidate.toLowerCase() : undefined;
}

export function instant(value: unknown): Instant | undefined {
  return parseInstant(value) ?? undefined;
}

/** Label names, whether the sender wrote labels as strings or as `{ name }` objects. */
export function labelNames(value: unknown): string[] {
  return list(value).flatMap((label) => {
    const name = text(label) ?? text(fields(label)?.name);
    return name ? [name] : [];
  });
}

const BOT_NAME = /(\[bot\]|[-_ ]bot)$|^(dependabot|renovate|github-actions)\b/i;

export function looksLikeBot(name: string | undefined): boolean {
  return name !== undefined && BOT_NAME.test(name);
}

export function actor(login: string | undefined, name?: string, email?: string, bot = false): Actor {
  return {
    login: login ?? null,
    name: name ?? null,
    email: email ?? null,
    bot: bot || looksLikeBot(login) || looksLikeBot(name),
  };
}

export const unknownActor = (): Actor => ({ login: null, name: null, email: null, bot: false });

export type Severity = Incident['severity'];

/**
 * Severity from the words people and tools use: `sev1`, `SEV-2`, `P3`, `severity:high`, `critical`.
 * sev1/P1 is critical, sev2/P2 high, sev3/P3 medium, sev4/P4 and P5 low.
 */
export function severityFrom(value: string | undefined): Severity | undefined {
  if (!value) return undefined;
  const normalised = value.trim().toLowerCase();
  const ranked = /^(?:sev(?:erity)?|p|priority)[\s:_/-]*([0-5])$/.exec(normalised);
  if (ranked) return (['critical', 'critical', 'high', 'medium', 'low', 'low'] as const)[Number(ranked[1])];
  const named = /^(?:(?:sev(?:erity)?|priority)[\s:_/-]*)?(critical|high|medium|low)$/.exec(normalised);
  return named ? (named[1] as Severity) : undefined;
}

type EventInputOf<T extends EventType> = Extract<CanonicalEventInput, { type: T }>;
/** The entity data of a canonical event as a normaliser writes it (before defaults and sha lower-casing). */
export type DataOf<T extends EventType> = EventInputOf<T>['data'];

/**
 * Wraps entity data in the canonical envelope. The id is `source:delivery:type:naturalKey`, so a
 * redelivery of the same delivery yields the same ids and the warehouse deduplicates it.
 */
export function canonicalEvent<T extends EventType>(
  delivery: Delivery, type: T, naturalKey: string, occurredAt: Instant, data: DataOf<T>,
): EventInputOf<T> {
  return {
    id: `${delivery.source}:${delivery.deliveryId}:${type}:${naturalKey}`,
    source: delivery.source,
    occurred_at: occurredAt,
    received_at: delivery.receivedAt,
    schema_version: SCHEMA_VERSION,
    raw: { delivery_id: delivery.deliveryId, event: delivery.event },
    type,
    data,
  } as EventInputOf<T>;
}

/**
 * `ok` with every event validated against the contract and plausible (plausibility.ts), or `dlq`
 * naming the first event that is not. Events may come from a generator, so a large delivery (a push
 * of 100k commits) never holds its unvalidated events beside the validated ones.
 */
export function validated(events: Iterable<CanonicalEventInput>): NormaliseOutcome {
  const valid: CanonicalEvent[] = [];
  for (const event of events) {
    const result = CanonicalEvent.safeParse(event);
    if (!result.success) return { kind: 'dlq', reason: `${event.type} event does not fit the contract: ${issues(result.error, event)}` };
    const implausible = implausibleTime(result.data);
    if (implausible) return { kind: 'dlq', reason: `implausible timestamp: ${implausible}` };
    valid.push(result.data);
  }
  return { kind: 'ok', events: valid };
}

export function issues(error: z.ZodError, input: unknown): string {
  return describeIssues(error, input).join('; ');
}

/** A normaliser that never throws: an unexpected exception dead-letters the delivery with its message. */
export function neverThrowing(sourceName: string, normaliser: Normaliser): Normaliser {
  return (delivery: Delivery, context: NormaliseContext): NormaliseOutcome => {
    try {
      return normaliser(delivery, context);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { kind: 'dlq', reason: `${sourceName} ${delivery.event} could not be normalised: ${message}` };
    }
  };
}

/** An `ok` outcome that carries what was assumed about the payload (nothing changes for `ignored`/`dlq`). */
export function assuming(outcome: NormaliseOutcome, assumptions: readonly string[]): NormaliseOutcome {
  return outcome.kind === 'ok' && assumptions.length ? { ...outcome, assumptions: [...new Set([...(outcome.assumptions ?? []), ...assumptions])] } : outcome;
}

export const ignored = (reason: string): NormaliseOutcome => ({ kind: 'ignored', reason });
export const dlq = (reason: string): NormaliseOutcome => ({ kind: 'dlq', reason });
