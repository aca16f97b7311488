import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sqlFile } from '../../src/metrics/sql-files.js';
import { openTestWarehouse } from '../harness.js';
import { at, expectRendered } from './support.js';

/*
 * models/t_deployments.sql and models/t_incidents.sql (with fragments/catalog_mapping.sql) on
 * hand-written entity rows: each statement fills its table's `_next` twin, as the transform runs it.
 * Catalog: shop (core, acme/shop, golden path), api (edge, acme/mono services/api), web (edge,
 * acme/mono services/web). Worked out by hand:
 * - d1: pending, success 09:10, then inactive → success at 09:10, shop by the catalog, core, golden,
 *   through the platform (workflow "platform-deploy"); d2: failure 11:00 in services/api/v2 → api
 *   (path prefix), edge; d3: web, staging → not production; d4: acme/other, in no catalog → by
 *   repository, unassigned; d5: the sender names checkout → by sender, unassigned, through the platform
 *   (creator deploy-bot); d6: a person mapped it to api → override, edge.
 * - i1: sender names shop → core, golden, acknowledged 12:10, resolved 13:00; i2: acme/shop's only
 *   service → shop, reopened after its resolution → open, no resolution; i3: acme/mono has two
 *   services → by repository, unassigned; i4: mapped to web by a person → edge; i5: nothing →
 *   unknown, severity critical (a known severity wins over a later unknown).
 */
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const tableRows = (table: string) => env.warehouse.query(`SELECT * FROM {{db}}.${table} ORDER BY id`, {}, z.record(z.string(), z.unknown()));
const SETTINGS = { productionPattern: '^prod', platformWorkflowPattern: 'platform', platformCreators: ['deploy-bot'] };

beforeAll(async () => {
  env = await openTestWarehouse();
  const w = env.warehouse;
  const entity = (service: string, team: string, repo: string, path: string | null, template: string | null = null) => ({
    service, team, repo, path, source_template: template, annotations: {}, updated_at: at('2026-03-01T00:00'), event_id: `e-${service}`,
  });
  await w.insert('catalog_entities', [
    entity('shop', 'core', 'acme/shop', null, 'node-service'),
    entity('api', 'edge', 'acme/mono', '/services/api/'),
    entity('web', 'edge', 'acme/mono', 'services/web'),
  ]);
  const status = (id: string, repo: string, environment: string, state: string, statusAt: string, extra: Record<string, unknown> = {}) => ({
    id, repo, environment, sha: `sha-${id}`, status: state, started_at: at('2026-03-02T09:00'), status_at: at(statusAt), creator_bot: false, source_system: 'github', event_id: `${id}-${state}`, ...extra,
  });
  await w.insert('deployment_statuses', [
    status('d1', 'acme/shop', 'production', 'pending', '2026-03-02T09:00', { workflow_name: 'platform-deploy', creator_login: 'ann' }),
    status('d1', 'acme/shop', 'production', 'success', '2026-03-02T09:10', { workflow_name: 'platform-deploy', creator_login: 'ann' }),
    status('d1', 'acme/shop', 'production', 'inactive', '2026-03-02T10:00'),
    status('d2', 'acme/mono', 'production', 'failure', '2026-03-02T11:00', { path: 'services/api/v2' }),
    status('d3', 'acme/mono', 'staging', 'success', '2026-03-02T11:30', { path: 'services/web' }),
    status('d4', 'acme/other', 'production', 'success', '2026-03-02T12:00'),
    status('d5', 'acme/shop', 'production', 'success', '2026-03-02T12:30', { service: 'checkout', creator_login: 'deploy-bot' }),
    status('d6', 'acme/shop', 'production', 'success', '2026-03-02T13:00'),
  ]);
  const update = (id: string, source: string, state: string, updatedAt: string, extra: Record<string, unknown> = {}) => ({
    id, source, severity: 'high', title: `incident ${id}`, status: state, opened_at: at('2026-03-02T12:00'), linked_deployment_ids: [], linked_shas: [], updated_at: at(updatedAt), event_id: `${id}-${updatedAt}`, ...extra,
  });
  await w.insert('incident_updates', [
    update('i1', 'pagerduty', 'triggered', '2026-03-02T12:00', { service: 'shop', linked_deployment_ids: ['d1'] }),
    update('i1', 'pagerduty', 'acknowledged', '2026-03-02T12:10', { service: 'shop', acknowledged_at: at('2026-03-02T12:10') }),
    update('i1', 'pagerduty', 'resolved', '2026-03-02T13:00', { service: 'shop', resolved_at: at('2026-03-02T13:00') }),
    update('i2', 'github', 'resolved', '2026-03-02T14:00', { repo: 'acme/shop', resolved_at: at('2026-03-02T14:00') }),
    update('i2', 'github', 'open', '2026-03-02T15:00', { repo: 'acme/shop' }),
    update('i3', 'github', 'open', '2026-03-02T12:00', { repo: 'acme/mono' }),
    update('i4', 'opsgenie', 'open', '2026-03-02T12:00'),
    update('i5', 'generic', 'open', '2026-03-02T12:00', { severity: 'critical' }),
    update('i5', 'generic', 'open', '2026-03-02T12:30', { severity: 'unknown' }),
  ]);
  await w.insert('mapping_overrides', [
    { kind: 'deployment', key: 'd6', service: 'api', set_by: 'admin', set_at: at('2026-03-03T00:00') },
    { kind: 'incident', key: 'i4', service: 'web', set_by: 'admin', set_at: at('2026-03-03T00:00') },
  ]);
  await w.command('CREATE TABLE {{db}}.t_deployments_next AS {{db}}.t_deployments');
  await w.command('CREATE TABLE {{db}}.t_incidents_next AS {{db}}.t_incidents');
});
afterAll(async () => env?.close());

describe('models', () => {
  it('t_deployments.sql', async () => {
    const file = sqlFile('models/t_deployments');
    await env.warehouse.command(file.for(env.warehouse), SETTINGS);
    const table = await tableRows('t_deployments_next');
    expect(table).toMatchSnapshot('t_deployments rows');
    expect(table.map((r) => [r.id, r.service, r.service_via, r.team, r.is_production, r.status, r.deployed_at, r.golden_path, r.via_platform])).toEqual([
      ['d1', 'shop', 'catalog', 'core', true, 'success', '2026-03-02T09:10:00.000Z', true, true],
      ['d2', 'api', 'catalog', 'edge', true, 'failure', '2026-03-02T11:00:00.000Z', false, false],
      ['d3', 'web', 'catalog', 'edge', false, 'success', '2026-03-02T11:30:00.000Z', false, false],
      ['d4', 'acme/other', 'repo', 'unassigned', true, 'success', '2026-03-02T12:00:00.000Z', false, false],
      ['d5', 'checkout', 'sender', 'unassigned', true, 'success', '2026-03-02T12:30:00.000Z', false, true],
      ['d6', 'api', 'override', 'edge', true, 'success', '2026-03-02T13:00:00.000Z', false, false],
    ]);
    await expectRendered(env.warehouse, file);
  });

  it('t_incidents.sql', async () => {
    const file = sqlFile('models/t_incidents');
    await env.warehouse.command(file.for(env.warehouse));
    const table = await tableRows('t_incidents_next');
    expect(table).toMatchSnapshot('t_incidents rows');
    expect(table.map((r) => [r.id, r.service, r.team, r.golden_path, r.severity, r.status, r.acknowledged_at, r.resolved_at])).toEqual([
      ['i1', 'shop', 'core', true, 'high', 'resolved', '2026-03-02T12:10:00.000Z', '2026-03-02T13:00:00.000Z'],
      ['i2', 'shop', 'core', true, 'high', 'open', null, null],
      ['i3', 'acme/mono', 'unassigned', false, 'high', 'open', null, null],
      ['i4', 'web', 'edge', false, 'high', 'open', null, null],
      ['i5', 'unknown', 'unassigned', false, 'critical', 'open', null, null],
    ]);
    await expectRendered(env.warehouse, file);
  });
});
