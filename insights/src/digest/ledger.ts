import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Warehouse } from '@paved/warehouse';
import type { Channel } from './channels.js';
import { DigestContent, isoOf } from './content.js';
import type { RenderedDigest } from './render.js';

/**
 * The delivery ledger (`digest_deliveries`) and the archive (`digests`).
 *
 * Exactly once per (week, team, channel), across restarts and instances:
 *
 * 1. Every state change is a new row; ReplacingMergeTree(version) ordered by (week, team, channel)
 *    keeps the highest version, and reads use FINAL. The version orders rows by attempt, then by
 *    stage (pending < sending < uncertain < failed < sent), and, among claims of one attempt, puts
 *    the earliest claim highest: version = attempt·2^45 + stage·2^42 + (claims only) 2^42−1−claimed_ms.
 * 2. To send, an instance inserts a `pending` claim for attempt N with its own holder id and
 *    `insert_deduplication_token` = hash(week, team, channel, N). ClickHouse keeps only the first
 *    insert of a token (the table has a deduplication window; replicated tables check the token in
 *    Keeper), so when two instances race for the same attempt the second insert is dropped. Each
 *    then reads the row back and sends only if the current row is its own pending claim. An
 *    instance that cannot see its own claim (a dropped insert, a lagging replica) does not send.
 * 3. Before the network call the holder writes `sending`; after it, `sent`, `failed` (with the
 *    next attempt time, exponential backoff) or `uncertain`.
 * 4. A restart never resends what may have gone out: a `sending` row older than the stale limit
 *    becomes `uncertain` and is reported, not retried; `failed` rows (the server said no, or was
 *    never reached) are retried until the attempts run out. A stale `pending` claim (its holder
 *    died before sending) is claimed again as the next attempt, with a handshake against a holder
 *    that was only slow: the holder re-reads the ledger after writing `sending` and stands back if a
 *    newer claim is there; the reclaimer looks for any `sending` row of the old attempt after its
 *    claim and stands back (recording `uncertain`) if one is there. Each writes before it reads, so
 *    at least one of them sees the other.
 *
 * Limits: ClickHouse remembers the token for the last 1000 inserts into the table. A claim for the
 * same attempt arriving later than that (an instance that read "nothing claimed", then stalled) is
 * kept, and the highest version decides: a winner that has moved on to sending or sent is ahead on
 * stage, and among two pending claims the earlier one by the claimers' clocks wins, so only clock
 * skew larger than the stall could let a late claim overtake. On a cluster the claim insert is
 * synchronous (distributed_foreground_insert); a replica that has not fetched a claim yet makes its
 * reader stand back (it cannot see its own claim as current), never send twice. Slack incoming
 * webhooks have no idempotency key, so `uncertain` is the honest state after a timeout; emails carry
 * a Message-ID per week and team.
 */

export const DeliveryStatus = z.enum(['pending', 'sending', 'sent', 'failed', 'uncertain']);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

const STAGE: Record<DeliveryStatus, number> = { pending: 1, sending: 2, uncertain: 3, failed: 4, sent: 5 };
const TIME_SPAN = 2 ** 42;
const MAX_ATTEMPT = 255;

/** Row version: later attempts win, then later stages, then (among claims) the earliest claim. */
export function versionOf(attempt: number, status: DeliveryStatus, claimedAtMs = 0): number {
  const low = status === 'pending' ? TIME_SPAN - 1 - (claimedAtMs % TIME_SPAN) : 0;
  return Math.min(attempt, MAX_ATTEMPT) * 2 ** 45 + STAGE[status] * TIME_SPAN + low;
}

export interface DeliveryKey {
  week: string;
  /** '' for the organisation. */
  team: string;
  channel: Channel;
}

const nullableTime = z.string().nullable();
const DeliveryRow = z.object({
  week: z.string(),
  team: z.string(),
  channel: z.enum(['slack', 'email', 'archive']),
  status: DeliveryStatus,
  attempts: z.coerce.number(),
  holder: z.string(),
  claimed_at: z.string(),
  sent_at: nullableTime,
  next_attempt_at: nullableTime,
  last_error: z.string(),
  version: z.coerce.number(),
  updated_at: z.string(),
});
export type DeliveryRow = z.infer<typeof DeliveryRow>;

const COLUMNS = 'week, team, channel, status, attempts, holder, claimed_at, sent_at, next_attempt_at, last_error, version, updated_at';

/** ClickHouse DateTime64 text (UTC) for an instant. */
export function chTime(at: Date): string {
  return at.toISOString().replace('T', ' ').replace('Z', '');
}

/** Current state of deliveries (optionally of one week, team or channel, or only those not sent). */
export async function readDeliveries(warehouse: Warehouse, filter: { week?: string; team?: string; channel?: Channel; openOnly?: boolean } = {}): Promise<DeliveryRow[]> {
  return warehouse.query(`
    SELECT ${COLUMNS} FROM {{db}}.digest_deliveries FINAL
    WHERE ({week:String} = '' OR week = {week:String}) AND (NOT {byTeam:Bool} OR team = {team:String}) AND ({channel:String} = '' OR channel = {channel:String})
      AND (NOT {openOnly:Bool} OR status != 'sent')
    ORDER BY week, team, channel`,
  { week: filter.week ?? '', byTeam: filter.team !== undefined, team: filter.team ?? '', channel: filter.channel ?? '', openOnly: filter.openOnly ?? false }, DeliveryRow);
}

export async function readDelivery(warehouse: Warehouse, key: DeliveryKey): Promise<DeliveryRow | null> {
  const [row] = await readDeliveries(warehouse, key);
  return row ?? null;
}

/** The deduplication token of a claim: a hash, so no value from the data ever enters the SQL text. */
export function claimToken(key: DeliveryKey, attempt: number): string {
  return createHash('sha256').update(['paved-digest-claim', key.week, key.team, key.channel, String(attempt)].join('\0')).digest('hex');
}

/**
 * Claims attempt `attempt` of a delivery for `holder`; true when this holder won and may send.
 * The token goes into a query-level SETTINGS clause: a per-query client setting would stay set on
 * the embedded engine's session and deduplicate every later insert of the process.
 */
export async function claimDelivery(warehouse: Warehouse, key: DeliveryKey, attempt: number, holder: string, now: Date): Promise<boolean> {
  const token = claimToken(key, attempt);
  if (!/^[0-9a-f]{64}$/.test(token)) throw new Error('claim token is not a hash');
  const settings = `insert_deduplication_token = '${token}'${warehouse.cluster ? ', distributed_foreground_insert = 1' : ''}`;
  await warehouse.command(`
    INSERT INTO {{db}}.digest_deliveries (${COLUMNS}) SETTINGS ${settings}
    SELECT {week:String}, {team:String}, {channel:String}, 'pending', {attempt:UInt32}, {holder:String}, {at:DateTime64(3, 'UTC')},
           NULL, NULL, '', {version:UInt64}, {at:DateTime64(3, 'UTC')}`,
  { ...key, attempt, holder, at: chTime(now), version: versionOf(attempt, 'pending', now.getTime()) });
  const current = await readDelivery(warehouse, key);
  return current !== null && current.holder === holder && current.attempts === attempt && current.status === 'pending';
}

/** Whether attempt `attempt` got past its claim (sending or later), in any row, not only the current one. */
export async function attemptProgressed(warehouse: Warehouse, key: DeliveryKey, attempt: number): Promise<boolean> {
  const [row] = await warehouse.query(`
    SELECT count() AS n FROM {{db}}.digest_deliveries
    WHERE week = {week:String} AND team = {team:String} AND channel = {channel:String} AND attempts = {attempt:UInt32} AND status != 'pending'`,
  { ...key, attempt }, z.object({ n: z.coerce.number() }));
  return (row?.n ?? 0) > 0;
}

/** Records the next state of a claimed delivery (same attempt and holder). */
export async function recordState(
  warehouse: Warehouse,
  claim: { key: DeliveryKey; attempt: number; holder: string; claimedAt: Date },
  status: Exclude<DeliveryStatus, 'pending'>,
  details: { now: Date; error?: string; nextAttemptAt?: Date | null },
): Promise<void> {
  await warehouse.insert('digest_deliveries', [{
    ...claim.key,
    status,
    attempts: claim.attempt,
    holder: claim.holder,
    claimed_at: chTime(claim.claimedAt),
    sent_at: status === 'sent' ? chTime(details.now) : null,
    next_attempt_at: details.nextAttemptAt ? chTime(details.nextAttemptAt) : null,
    last_error: details.error ?? '',
    version: versionOf(claim.attempt, status),
    updated_at: chTime(details.now),
  }]);
}

// ---------- health ----------

export interface DigestHealth {
  ok: boolean;
  /** Failed and waiting for a retry (next_attempt_at set) or given up after the last attempt. */
  failed: DeliveryRow[];
  /** Claimed or sending right now, or interrupted mid-send (`uncertain`: not resent automatically). */
  pending: DeliveryRow[];
  lastSentAt: string | null;
  /** One line per delivery that needs a person. */
  problems: string[];
}

const LastSent = z.object({ last: z.string().nullable() });

/** Failed and unfinished digest deliveries, for data health. */
export async function digestHealth(warehouse: Warehouse): Promise<DigestHealth> {
  const [rows, last] = await Promise.all([
    warehouse.query(`SELECT ${COLUMNS} FROM {{db}}.digest_deliveries FINAL WHERE status != 'sent' ORDER BY week DESC, team, channel LIMIT 200`, {}, DeliveryRow),
    warehouse.query(`SELECT if(count() = 0, NULL, toString(max(sent_at))) AS last FROM {{db}}.digest_deliveries FINAL WHERE status = 'sent'`, {}, LastSent),
  ]);
  const failed = rows.filter((r) => r.status === 'failed');
  const pending = rows.filter((r) => r.status !== 'failed');
  const who = (r: DeliveryRow) => `${r.channel} digest ${r.week} for ${r.team || 'the organisation'}`;
  const problems = [
    ...failed.map((r) => `The ${who(r)} failed ${r.next_attempt_at ? `(attempt ${r.attempts}, retrying at ${isoOf(r.next_attempt_at)})` : `after ${r.attempts} attempt(s) and will not be retried`}: ${r.last_error}`),
    ...pending.filter((r) => r.status === 'uncertain').map((r) => `The ${who(r)} was interrupted while sending and may or may not have arrived; it is not resent automatically (check, then paved digest --week ${r.week} ${r.team ? `--team ${r.team}` : '--org'} --channel ${r.channel} --force): ${r.last_error}`),
  ];
  return { ok: problems.length === 0, failed, pending, lastSentAt: last[0]?.last ?? null, problems };
}

// ---------- archive ----------

/** Stores what went out on a channel (the `archive` channel is exactly this row). */
export async function recordDigest(warehouse: Warehouse, key: DeliveryKey, rendered: RenderedDigest, content: DigestContent, now: Date): Promise<void> {
  await warehouse.insert('digests', [{
    ...key,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    blocks: JSON.stringify(rendered.slack.blocks),
    markdown: rendered.markdown,
    content: JSON.stringify(content),
    created_at: chTime(now),
  }]);
}

const ArchiveEntryRow = z.object({ week: z.string(), team: z.string(), channels: z.array(z.string()), subject: z.string(), delivered_at: z.string() });
export type ArchiveEntry = z.infer<typeof ArchiveEntryRow>;

/** Delivered digests, newest week first, one row per (week, team) with the channels it went out on. */
export async function listDigests(warehouse: Warehouse, options: { limit?: number } = {}): Promise<ArchiveEntry[]> {
  return warehouse.query(`
    SELECT week, team, arraySort(groupArray(channel)) AS channels, argMax(subject, created_at) AS subject, toString(max(created_at)) AS delivered_at
    FROM {{db}}.digests FINAL
    GROUP BY week, team
    ORDER BY week DESC, team
    LIMIT {limit:UInt32}`, { limit: options.limit ?? 500 }, ArchiveEntryRow);
}

const StoredDigestRow = z.object({ subject: z.string(), text: z.string(), html: z.string(), content: z.string(), created_at: z.string() });

export interface StoredDigest {
  subject: string;
  text: string;
  html: string;
  /** The content read back and validated; null when it no longer matches the schema. */
  content: DigestContent | null;
  createdAt: string;
}

/** One delivered digest (the newest rendering of any channel). */
export async function readDigest(warehouse: Warehouse, week: string, team: string): Promise<StoredDigest | null> {
  const [row] = await warehouse.query(`
    SELECT subject, text, html, content, toString(created_at) AS created_at FROM {{db}}.digests FINAL
    WHERE week = {week:String} AND team = {team:String}
    ORDER BY created_at DESC LIMIT 1`, { week, team }, StoredDigestRow);
  if (!row) return null;
  let content: DigestContent | null = null;
  try {
    const parsed = DigestContent.safeParse(JSON.parse(row.content));
    content = parsed.success ? parsed.data : null;
  } catch {
    content = null;
  }
  return { subject: row.subject, text: row.text, html: row.html, content, createdAt: row.created_at };
}
