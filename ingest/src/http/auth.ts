import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';

/** Constant-time comparison of two strings (false when lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function hmacHex(algorithm: 'sha1' | 'sha256', secret: string, body: Buffer | string): string {
  return createHmac(algorithm, secret).update(body).digest('hex');
}

/** One signature a sender claims, decoded from its header before any of the body is read. */
export interface ClaimedSignature {
  algorithm: 'sha1' | 'sha256';
  digest: Buffer;
}

/** A header that is present but cannot be a signature, or no signature header at all. */
export class SignatureHeaderError extends Error {}

const HEX_LENGTH = { sha1: 40, sha256: 64 } as const;

function claimed(value: string, prefix: string, algorithm: 'sha1' | 'sha256', headerName: string): ClaimedSignature {
  const pattern = new RegExp(`^${prefix}=([0-9a-f]{${HEX_LENGTH[algorithm]}})$`, 'i');
  const match = pattern.exec(value.trim());
  if (!match) throw new SignatureHeaderError(`${headerName} is malformed: expected "${prefix}=<${HEX_LENGTH[algorithm]} hex digits>"`);
  return { algorithm, digest: Buffer.from(match[1]!, 'hex') };
}

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>`. The legacy `X-Hub-Signature: sha1=<hex>` counts only
 * when the sha256 header is absent (older GitHub Enterprise Server, some tools); a sha256 header
 * that is present but empty or malformed is refused, whatever the sha1 header says.
 */
export function githubSignatureOf(sha256Header: string | undefined, sha1Header: string | undefined): ClaimedSignature {
  if (sha256Header !== undefined) return claimed(sha256Header, 'sha256', 'sha256', 'X-Hub-Signature-256');
  if (sha1Header !== undefined) return claimed(sha1Header, 'sha1', 'sha1', 'X-Hub-Signature');
  throw new SignatureHeaderError('no X-Hub-Signature-256 header: set a secret on the GitHub webhook equal to GITHUB_WEBHOOK_SECRET');
}

/** PagerDuty: `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]` (several while a secret is rotated). */
export function pagerdutySignaturesOf(header: string | undefined): ClaimedSignature[] {
  if (header === undefined) throw new SignatureHeaderError('no X-PagerDuty-Signature header: PagerDuty signs every V3 webhook; check the subscription');
  const signatures = header.split(',').flatMap((part) => {
    const match = /^\s*v1=([0-9a-f]{64})\s*$/i.exec(part);
    return match ? [{ algorithm: 'sha256' as const, digest: Buffer.from(match[1]!, 'hex') }] : [];
  });
  if (signatures.length === 0) throw new SignatureHeaderError('X-PagerDuty-Signature is malformed: expected "v1=<64 hex digits>"');
  return signatures;
}

/** Generic senders' `X-Paved-Signature: sha256=<hex>`. */
export function pavedSignatureOf(header: string): ClaimedSignature {
  return claimed(header, 'sha256', 'sha256', 'X-Paved-Signature');
}

/**
 * An HMAC check fed the raw body chunk by chunk as it arrives (never a decoded string, so any
 * bytes signed correctly verify). Several secrets (rotation) and several claimed signatures are
 * checked at once; `matches()` compares in constant time.
 */
export class StreamingSignatureCheck {
  private readonly hmacs: { hmac: Hmac; algorithm: 'sha1' | 'sha256' }[];

  constructor(secrets: string[], private readonly signatures: ClaimedSignature[]) {
    const algorithms = [...new Set(signatures.map((s) => s.algorithm))];
    this.hmacs = secrets.filter((secret) => secret !== '').flatMap((secret) => algorithms.map((algorithm) => ({ algorithm, hmac: createHmac(algorithm, secret) })));
  }

  update(chunk: Buffer): void {
    for (const { hmac } of this.hmacs) hmac.update(chunk);
  }

  matches(): boolean {
    let ok = false;
    for (const { hmac, algorithm } of this.hmacs) {
      const expected = hmac.digest();
      for (const signature of this.signatures) {
        if (signature.algorithm === algorithm && signature.digest.length === expected.length && timingSafeEqual(signature.digest, expected)) ok = true;
      }
    }
    return ok;
  }
}

/** `Authorization: Bearer <token>` against the configured token. */
export function verifyBearer(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match !== null && safeEqual(match[1]!, token);
}
