import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlFile } from '../../src/metrics/sql-files.js';
import { openTestWarehouse } from '../harness.js';
import { at, expectRendered, rowsOf } from './support.js';

/*
 * fragments/incident_references.sql through queries/explore/health_unresolved_references.sql, on
 * hand-written rows. Production deployments: github:acme/shop:101 (sha abcdef1234567, URL
 * https://ci/run/7, 03-02 10:00) and github:acme/shop:102 (sha abcdef9999999, 03-03); a staging one.
 * Worked out by hand: i1 names the Paved id, i2 repository:native id, i3 the sha prefix abcdef1 (only
 * 101's sha starts with it), i5 the URL: all resolved; i4 names deadbee (no such sha), i6
 * github:acme/shop:555 (no such deployment) and i7 102, which began after i7 opened: 3 unresolved.
 */
let env: Awaited<ReturnType<typeof openTestWarehouse>>;

beforeAll(async () => {
  env = await openTestWarehouse();
  const deployment = (id: string, sha: string, deployedAt: string, production = true, url: string | null = null) => ({
    id, repo: 'acme/shop', service: 'shop', service_via: 'catalog', team: 'core', environment: production ? 'production' : 'staging', is_production: production, sha,
    status: 'success', started_at: at(deployedAt), deployed_at: at(deployedAt), source_system: 'github', golden_path: false, via_platform: false, url,
  });
  await env.warehouse.insert('t_deployments', [
    deployment('github:acme/shop:101', 'abcdef1234567', '2026-03-02T10:00', true, 'https://ci/run/7'),
    deployment('github:acme/shop:102', 'abcdef9999999', '2026-03-03T10:00'),
    deployment('github:acme/shop:103', 'deadbee000000', '2026-03-03T11:00', false),
  ]);
  const incident = (id: string, refs: string[], openedAt = '2026-03-04T12:00') => ({
    id, source: 'pagerduty', service: 'shop', team: 'core', golden_path: false, severity: 'high', title: id, status: 'open', opened_at: at(openedAt), linked_deployment_ids: refs, linked_shas: [],
  });
  await env.warehouse.insert('t_incidents', [
    incident('i1', ['github:acme/shop:101']),
    incident('i2', ['acme/shop:101']),
    incident('i3', ['abcdef1']),
    incident('i4', ['deadbee']),
    incident('i5', ['https://ci/run/7']),
    incident('i6', ['github:acme/shop:555']),
    incident('i7', ['github:acme/shop:102'], '2026-03-03T09:00'),
  ]);
});
afterAll(async () => env?.close());

describe('incident references', () => {
  it('queries/explore/health_unresolved_references.sql', async () => {
    const file = sqlFile('queries/explore/health_unresolved_references');
    const [row] = await rowsOf(env.warehouse, file);
    expect({ ...row, examples: [...(row!.examples as string[])].sort() }).toEqual({ unresolved: 3, examples: ['i4 names deadbee', 'i6 names github:acme/shop:555', 'i7 names github:acme/shop:102'] });
    await expectRendered(env.warehouse, file);
  });
});
