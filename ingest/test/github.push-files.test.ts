import type { CanonicalEvent } from '@paved/schemas';
import { describe, expect, it } from 'vitest';
import { defaultNormaliseContext } from '../src/delivery.js';
import { normaliseGithub } from '../src/github/normalise.js';

/* The files a pushed commit touched decide which services of a monorepo it counts for (docs/metrics.md, "Change set"). */

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const SHA_C = 'c'.repeat(40);

function commitsOf(commits: Record<string, unknown>[]): Map<string, string[] | null> {
  const outcome = normaliseGithub({
    source: 'github', event: 'push', deliveryId: 'd1', receivedAt: '2026-03-01T12:00:00.000Z',
    payload: { ref: 'refs/heads/main', before: '0'.repeat(40), after: SHA_C, repository: { full_name: 'acme/mono' }, commits },
  }, defaultNormaliseContext);
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${outcome.kind}: ${outcome.reason}`);
  return new Map(outcome.events.filter((e): e is Extract<CanonicalEvent, { type: 'commit' }> => e.type === 'commit').map((e) => [e.data.sha, e.data.files]));
}

describe('push commits carry their files', () => {
  it('added, modified and removed together, each path once', () => {
    const files = commitsOf([
      { id: SHA_A, message: 'a', timestamp: '2026-03-01T10:00:00Z', added: ['services/cart/new.ts'], modified: ['libs/money/round.ts', 'services/cart/new.ts'], removed: ['docs/old.md'] },
    ]);
    expect(files.get(SHA_A)).toEqual(['services/cart/new.ts', 'libs/money/round.ts', 'docs/old.md']);
  });

  it('a commit whose sender lists no files has unknown files (null), not "no files"', () => {
    const files = commitsOf([
      { id: SHA_B, message: 'b', timestamp: '2026-03-01T10:00:00Z' },
      { id: SHA_C, message: 'c', timestamp: '2026-03-01T11:00:00Z', added: [], modified: [], removed: [] },
    ]);
    expect(files.get(SHA_B)).toBeNull();
    expect(files.get(SHA_C)).toBeNull();
  });
});
