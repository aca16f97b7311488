/**
 * Invite links, and why an invite can never be joined to the response it produced.
 *
 * A link is `/s/<campaign>.<random>.<mac>`: `random` is 16 fresh random bytes, `mac` an HMAC over
 * campaign and random id under the token key, so a link cannot be forged or altered (tampered) and
 * names its campaign (closed, expired and unknown campaigns get their own message).
 *
 * Three keys are derived from one secret (SURVEY_TOKEN_SECRET, or a generated `survey.secret` in the
 * data directory, mode 0600), each for one purpose:
 * - token key:    mac = HMAC(token key, campaign, random id)            → only in the link
 * - invite key:   invite_key = HMAC(invite key, campaign, random id)     → survey_invites
 * - response key: response id = HMAC(response key, whole token)          → survey_responses.id
 *
 * The random id itself is stored nowhere: it exists only in the link that went to the person. The
 * invite row keeps a one-way hash of it (to recognise the link as one Paved issued and to count
 * invites per team); the response row keeps a different one-way hash of the whole token (so
 * re-opening the same link finds and edits the same response until the campaign closes). Neither
 * hash can be computed from the other, even with the secret, without the random id — so someone
 * holding the database and the secret still cannot say which invite (and so which email address)
 * a response came from. No column is shared between the two tables except the campaign and the
 * team, which many invites and many responses have in common.
 *
 * What this cannot protect: whoever holds a link can open its response (that is how editing works),
 * so the invite printout is as sensitive as the answers and is never written to disk by Paved.
 * Response times are stored to the day only, and invites are stamped per batch, so timing does not
 * pair them either.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SurveyKeys {
  token: Buffer;
  invite: Buffer;
  response: Buffer;
}

const MAC_BYTES = 24;
const RANDOM_BYTES = 16;
const TOKEN = /^([a-z0-9][a-z0-9_-]{0,63})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{32})$/;

function hmac(key: Buffer | string, ...parts: string[]): Buffer {
  return createHmac('sha256', key).update(parts.join('\n')).digest();
}

/** Three independent keys from one secret (HMAC as a key-derivation function, one label each). */
export function surveyKeys(secret: string): SurveyKeys {
  if (secret.length < 16) throw new Error('SURVEY_TOKEN_SECRET is too short: use at least 16 characters (32 random bytes, base64, is a good choice)');
  return {
    token: hmac(secret, 'paved survey token v1'),
    invite: hmac(secret, 'paved survey invite v1'),
    response: hmac(secret, 'paved survey response v1'),
  };
}

/**
 * The secret: SURVEY_TOKEN_SECRET when set; otherwise `survey.secret` in the data directory,
 * created once (32 random bytes, mode 0600). Changing it invalidates every outstanding link.
 */
export function loadSurveySecret(env: { SURVEY_TOKEN_SECRET?: string | undefined }, dataDir: string): string {
  if (env.SURVEY_TOKEN_SECRET) return env.SURVEY_TOKEN_SECRET;
  const file = join(dataDir, 'survey.secret');
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // Tighten a copy someone made readable to others.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  if (!secret) throw new Error(`${file} is empty: delete it to have Paved generate a new survey secret (outstanding links stop working)`);
  return secret;
}

export interface Invite {
  token: string;
  /** What survey_invites stores: a one-way hash of the random id. */
  inviteKey: string;
}

export function mintInvite(keys: SurveyKeys, campaignId: string): Invite {
  const random = randomBytes(RANDOM_BYTES).toString('base64url');
  const mac = hmac(keys.token, campaignId, random).subarray(0, MAC_BYTES).toString('base64url');
  return { token: `${campaignId}.${random}.${mac}`, inviteKey: inviteKeyOf(keys, campaignId, random) };
}

function inviteKeyOf(keys: SurveyKeys, campaignId: string, random: string): string {
  return hmac(keys.invite, campaignId, random).toString('hex');
}

export type TokenCheck =
  | { ok: true; campaignId: string; inviteKey: string; responseId: string }
  | { ok: false; reason: 'malformed' | 'tampered' };

/** Checks a link's signature and derives what the warehouse knows it by (never the other way round). */
export function verifyToken(keys: SurveyKeys, token: string): TokenCheck {
  const match = TOKEN.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, campaignId = '', random = '', mac = ''] = match;
  const expected = hmac(keys.token, campaignId, random).subarray(0, MAC_BYTES);
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'tampered' };
  return { ok: true, campaignId, inviteKey: inviteKeyOf(keys, campaignId, random), responseId: hmac(keys.response, token).toString('hex') };
}
