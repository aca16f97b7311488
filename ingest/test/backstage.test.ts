import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CatalogEntity } from '@paved/schemas';
import { describe, expect, it } from 'vitest';
import { catalogEventsFromFolders, catalogEventsFromYaml, entityRefName, sourceLocation } from '../src/catalog/backstage.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'backstage');
const NOW = new Date('2026-03-02T09:00:00.000Z');

function entities(read: ReturnType<typeof catalogEventsFromFolders>): Record<string, CatalogEntity> {
  return Object.fromEntries(read.events.flatMap((e) => (e.type === 'catalog_entity' ? [[e.data.service, e.data]] : [])));
}

describe('Backstage catalog-info.yaml', () => {
  const read = catalogEventsFromFolders([FIXTURES], NOW);
  const byService = entities(read);

  it('turns every Component of every catalog-info.yaml/yml under the folders into a catalog entity (other kinds are skipped)', () => {
    expect(Object.keys(byService).sort()).toEqual(['billing', 'ledger', 'payments-api']);
    expect(read.events.every((e) => e.source === 'catalog' && e.type === 'catalog_entity' && e.received_at === NOW.toISOString())).toBe(true);
  });

  it('reads owner (without group: and default/), lifecycle, system, tier tag, template and repository from a service component', () => {
    expect(byService['payments-api']).toEqual({
      service: 'payments-api', team: 'payments', tier: 'tier-1', repo: 'acme/payments-api', path: null, lifecycle: 'production', system: 'payments',
      annotations: {
        'github.com/project-slug': 'acme/payments-api', 'backstage.io/source-template': 'template:default/node-service', 'backstage.io/techdocs-ref': 'dir:.',
      },
      source_template: 'template:default/node-service', created_at: null, updated_at: '2026-03-02T09:00:00.000Z',
    });
  });

  it('takes a monorepo component\'s repository and path from its source location', () => {
    expect(byService.billing).toMatchObject({ repo: 'acme/platform-monorepo', path: 'services/billing', team: 'payments', tier: 'tier-2', system: 'billing-platform', source_template: 'template:default/java-service' });
    expect(byService.ledger).toMatchObject({ repo: 'acme/platform-monorepo', path: 'services/ledger', team: 'finance-core', lifecycle: 'experimental', tier: null });
  });

  it('reports each unusable document with its file and problem, and never stops the others', () => {
    const problems = read.problems.map((p) => ({ ...p, file: p.file.slice(FIXTURES.length + 1) }));
    expect(problems).toEqual([
      { file: 'broken/catalog-info.yaml', document: 0, problem: expect.stringMatching(/^YAML syntax error at line \d+, column \d+/) },
      { file: 'invalid/catalog-info.yaml', document: 0, problem: expect.stringMatching(/^spec\.owner: /) },
      { file: 'invalid/catalog-info.yaml', document: 1, problem: expect.stringContaining('metadata.annotations["github.com/project-slug"]: expected owner/name (got "https://github.com/acme/payouts")') },
      { file: 'invalid/catalog-info.yaml', document: 2, problem: 'expected a Backstage entity (a mapping with apiVersion, kind, metadata, spec)' },
      { file: 'team-copy/catalog-info.yaml', document: null, problem: expect.stringMatching(/component "payments-api" is already defined in .*payments-api\/catalog-info\.yaml; this definition is ignored/) },
    ]);
    expect(byService['payments-api']?.team).toBe('payments');
  });

  it('gives the same event id for an unchanged file read again later (ids follow the content)', () => {
    const again = catalogEventsFromFolders([FIXTURES], new Date('2026-04-01T00:00:00.000Z'));
    expect(again.events.map((e) => e.id)).toEqual(read.events.map((e) => e.id));
  });

  it('names a folder that cannot be read, and skips node_modules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paved-backstage-'));
    try {
      mkdirSync(join(dir, 'node_modules', 'vendored'), { recursive: true });
      writeFileSync(join(dir, 'node_modules', 'vendored', 'catalog-info.yaml'), 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: vendored}\nspec: {type: library, lifecycle: production, owner: x}\n');
      const result = catalogEventsFromFolders([dir, join(dir, 'missing')], NOW);
      expect(result.events).toEqual([]);
      expect(result.problems).toEqual([{ file: join(dir, 'missing'), document: null, problem: 'cannot read the folder: ENOENT (check catalog.backstagePaths)' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses the repository a file was read from when the component names none (backfill)', () => {
    const text = 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: web\nspec:\n  type: website\n  lifecycle: production\n  owner: group:checkout\n';
    const result = catalogEventsFromYaml(text, { file: 'acme/web/catalog-info.yaml', repo: 'acme/web' }, NOW);
    expect(result.problems).toEqual([]);
    expect(result.events[0]).toMatchObject({ raw: { delivery_id: 'backstage:acme/web:acme/web/catalog-info.yaml#0', event: 'catalog-info.yaml' }, data: { service: 'web', repo: 'acme/web', team: 'checkout' } });
  });

  it('parses entity references and source locations', () => {
    expect(['group:default/payments', 'group:payments', 'default/payments', 'payments'].map((ref) => entityRefName(ref, 'group'))).toEqual(['payments', 'payments', 'payments', 'payments']);
    expect(sourceLocation('url:https://ghe.acme.test/acme/mono.git')).toEqual({ repo: 'acme/mono', path: null });
    expect(sourceLocation('url:https://github.com/acme/mono/tree/main/a/b/')).toEqual({ repo: 'acme/mono', path: 'a/b' });
    expect(sourceLocation('not a url')).toBeNull();
  });
});
