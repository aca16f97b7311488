import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkScope, UnknownScopeError } from '../src/metrics/scope.js';
import { event, openTestWarehouse } from './harness.js';

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const entry = (service: string, team: string) => event('catalog_entity', {
  service, team, tier: null, repo: `acme/${service}`, path: null, lifecycle: 'production', system: null, annotations: {}, source_template: null, created_at: null, updated_at: '2025-01-01T00:00:00.000Z',
});

beforeAll(async () => {
  env = await openTestWarehouse();
  await env.ingest([entry('ledger', 'payments'), entry('billing', 'payments'), entry('search-api', 'search')]);
});
afterAll(async () => env?.close());

describe('a team or service filter must name something Paved knows', () => {
  it('accepts known ones and no filter', async () => {
    await expect(checkScope(env.warehouse, {})).resolves.toBeUndefined();
    await expect(checkScope(env.warehouse, { team: 'payments', service: 'ledger' })).resolves.toBeUndefined();
  });

  it('an unknown team is an error listing the known teams', async () => {
    const error = await checkScope(env.warehouse, { team: 'nosuchteam' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownScopeError);
    expect((error as Error).message).toBe('no team "nosuchteam"; known teams: payments, search');
  });

  it('an unknown service is an error listing the known services', async () => {
    await expect(checkScope(env.warehouse, { service: 'legder' })).rejects.toThrow('no service "legder"; known services: billing, ledger, search-api');
  });
});
