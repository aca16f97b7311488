import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/*
 * How the Jira route authenticates (docs/sources/jira.md): Jira Cloud admin webhooks saved with a
 * secret sign the raw body, `X-Hub-Signature: sha256=<hex HMAC-SHA256>` (WebSub's method=signature);
 * Jira Data Center cannot sign, so the secret may instead travel as `?token=` in the webhook URL.
 */

/** `X-Hub-Signature: sha256=<hex>` against HMAC-SHA256 of the raw body under the secret, in constant time. */
export function verifyJiraSignature(body: Buffer | string, header: string | undefined, secret: string): boolean {
  if (!header || !secret) return false;
  const match = /^\s*sha256=([0-9a-f]{64})\s*$/i.exec(header);
  if (!match?.[1]) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(Buffer.from(match[1], 'hex'), expected);
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
  return id ? `jira:${id}` : `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/** `webhookEvent` of a parsed body (`jira:issue_updated`, ...), `unknown` when absent. */
export function jiraEventOf(payload: unknown): string {
  const event = payload !== null && typeof payload === 'object' ? (payload as { webhookEvent?: unknown }).webhookEvent : undefined;
  return typeof event === 'string' && event.trim() !== '' ? event.trim() : 'unknown';
}
