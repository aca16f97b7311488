import { createHmac, timingSafeEqual } from 'node:crypto';
import { verify as verifySha256 } from '@octokit/webhooks-methods';

/** Constant-time comparison of two strings (false when lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function hmacHex(algorithm: 'sha1' | 'sha256', secret: string, body: Buffer | string): string {
  return createHmac(algorithm, secret).update(body).digest('hex');
}

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>`; the legacy `X-Hub-Signature: sha1=<hex>` is accepted
 * only when it is the only signature sent (older GitHub Enterprise Server, some tools).
 */
export async function verifyGithubSignature(body: Buffer, secret: string, sha256Header: string | undefined, sha1Header: string | undefined): Promise<boolean> {
  if (sha256Header) return verifySha256(secret, body.toString('utf8'), sha256Header.trim()).catch(() => false);
  if (sha1Header) return safeEqual(sha1Header.trim(), `sha1=${hmacHex('sha1', secret, body)}`);
  return false;
}

/** `Authorization: Bearer <token>` against the configured token. */
export function verifyBearer(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match !== null && safeEqual(match[1]!, token);
}
