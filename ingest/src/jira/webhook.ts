import { createHash, timingSafeEqual } from 'node:crypto';
import { bodyHash } from '../sources/contract.js';

/*
 * How the Jira route authenticates (docs/sources/jira.md): Jira Cloud admin webhooks saved with a
 * secret sign the raw body, `X-Hub-Signature: sha256=<hex HMAC-SHA256>` (WebSub's method=signature);
 * Jira Data Center cannot sign, so the secret may instead travel as `?token=` in the webhook URL.
 */

/** The signature an `X-Hub-Signature` header claims, for the route's streaming HMAC check over the raw body. */
export interface JiraSignature {
  algorithm: 'sha256';
  digest: Buffer;
}

/**
 * `X-Hub-Signature: sha256=<64 hex digits>` as a claimed signature, or the reason it cannot be one
 * (the route answers 401 with it before reading the body).
 */
export function jiraSignatureOf(header: string | undefined): JiraSignature | string {
  if (header === undefined) return 'no X-Hub-Signature header and no ?token=: save the Jira webhook with a secret equal to JIRA_WEBHOOK_SECRET (Data Center: add ?token=<JIRA_WEBHOOK_SECRET> to its URL)';
  const match = /^\s*sha256=([0-9a-f]{64})\s*$/i.exec(header);
  if (!match?.[1]) return 'X-Hub-Signature is malformed: expected "sha256=<64 hex digits>"';
  return { algorithm: 'sha256', digest: Buffer.from(match[1], 'hex') };
}

/** The `token` query parameter (Data Center) against the secret, in constant time over hashes (no length leak). */
export function verifyJiraUrlToken(url: string | undefined, secret: string): boolean {
  if (!url || !secret) return false;
  const given = new URLSearchParams(url.split('?')[1] ?? '').get('token');
  if (!given) return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(secret));
}

/** `X-Atlassian-Webhook-Identifier` (the same on Jira's retries), else the body's hash. */
export function jiraDeliveryId(identifier: string | undefined, body: Buffer | string): string {
  const id = identifier?.trim();
  return id ? `jira:${id}` : bodyHash(body);
}

/** `webhookEvent` of a parsed body (`jira:issue_updated`, ...), `unknown` when absent. */
export function jiraEventOf(payload: unknown): string {
  const event = payload !== null && typeof payload === 'object' ? (payload as { webhookEvent?: unknown }).webhookEvent : undefined;
  return typeof event === 'string' && event.trim() !== '' ? event.trim() : 'unknown';
}
