import { createHash, timingSafeEqual } from 'node:crypto';
import { bodyHash } from '../sources/contract.js';

/*
 * What the GitLab route checks and keeps from the headers alone (before a byte of the body is read):
 * GitLab sends the webhook's "Secret token" back verbatim in `X-Gitlab-Token` (no signature).
 */

/**
 * `X-Gitlab-Token` against GITLAB_WEBHOOK_TOKEN in constant time: both are hashed first, so neither
 * the content nor the length of the token leaks through timing.
 */
export function verifyGitlabToken(given: string | undefined, expected: string): boolean {
  if (given === undefined || given === '' || expected === '') return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export interface GitlabDeliveryHeaders {
  /** `Idempotency-Key`: the same on every retry of one webhook execution (GitLab 17.4+). */
  idempotencyKey?: string | undefined;
  /** `X-Gitlab-Event-UUID`: shared by every hook one action triggers (a push can also fire Merge Request Hooks). */
  eventUuid?: string | undefined;
}

/**
 * The delivery id a redelivery repeats: `Idempotency-Key` when GitLab sends it; otherwise the
 * event UUID qualified by the body's hash, because one UUID can cover several different
 * payloads (a push and the merge request update it caused); otherwise the body's hash.
 */
export function gitlabDeliveryId(headers: GitlabDeliveryHeaders, body: Buffer | string): string {
  const key = headers.idempotencyKey?.trim();
  if (key) return `gitlab-idempotency:${key}`;
  const hash = bodyHash(body);
  const uuid = headers.eventUuid?.trim();
  return uuid ? `gitlab-event:${uuid}:${hash.slice('sha256:'.length, 'sha256:'.length + 16)}` : hash;
}
