import type { CanonicalEvent } from '@paved/schemas';

/*
 * Plausibility of what senders state (docs/security.md, "Plausibility rules"). A value no real
 * system produces (a deployment id of -1, a deployment finishing in 2126) is a broken sender or a
 * forged one; stored, it would bend every metric it touches. Such a delivery is dead-lettered with
 * a reason naming the field (archived raw and visible on Data health, so it can be fixed and re-driven).
 */

/** Facts before this are not plausible (git itself dates from 2005; GitHub from 2008). */
export const EARLIEST_FACT = '2005-01-01T00:00:00.000Z';
/** How far after its delivery a fact may be dated (clock skew between sender and Paved). */
export const FUTURE_SLACK_MS = 24 * 60 * 60 * 1000;

/** A value in a payload that cannot be true; the normalisers turn it into a dead letter with this message. */
export class ImplausibleValue extends Error {}

/** A numeric id as sources write them: a whole number from 1 to 2^53 - 1. */
export function plausibleNumericId(value: number): string {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ImplausibleValue(`${String(value)} is not a plausible id: numeric ids are whole numbers from 1 to ${Number.MAX_SAFE_INTEGER}`);
  }
  return String(value);
}

/**
 * Timestamps of imported git history may predate 2005 (repositories converted from CVS or
 * Subversion), and a catalog may record services created long ago: those fields get only the
 * future bound.
 */
const NO_LOWER_BOUND: Record<string, ReadonlySet<string>> = {
  commit: new Set(['authored_at', 'committed_at']),
  catalog_entity: new Set(['created_at']),
};

/** Why an event's timestamps cannot be true, or null when they can. */
export function implausibleTime(event: CanonicalEvent): string | null {
  const received = Date.parse(event.received_at);
  const latest = received + FUTURE_SLACK_MS;
  const earliest = Date.parse(EARLIEST_FACT);
  const exempt = NO_LOWER_BOUND[event.type];
  for (const [field, value] of Object.entries(event.data as Record<string, unknown>)) {
    if (!field.endsWith('_at') || typeof value !== 'string') continue;
    const at = Date.parse(value);
    if (Number.isNaN(at)) continue;
    if (at > latest) {
      return `${event.type}.${field} ${value} is more than a day after the delivery was received (${event.received_at}): check the sender's clock and time zone, and that it sends seconds or milliseconds as documented`;
    }
    if (at < earliest && !exempt?.has(field)) {
      return `${event.type}.${field} ${value} is before ${EARLIEST_FACT.slice(0, 10)}: no real ${event.type.replace('_', ' ')} is that old; check the sender's timestamps (epoch seconds vs milliseconds)`;
    }
  }
  return null;
}
