import { describe, expect, it } from 'vitest';
import { catalogEventsFromYaml, sourceLocation } from '../src/catalog/backstage.js';

/* GitLab projects in a Backstage catalog map to services like GitHub repositories (docs/sources/gitlab.md). */

const NOW = new Date('2026-03-02T09:00:00.000Z');
const component = (annotations: Record<string, string>) => [
  'apiVersion: backstage.io/v1alpha1',
  'kind: Component',
  'metadata:',
  '  name: payments-api',
  '  annotations:',
  ...Object.entries(annotations).map(([key, value]) => `    ${key}: ${JSON.stringify(value)}`),
  'spec:',
  '  type: service',
  '  owner: group:payments',
  '  lifecycle: production',
].join('\n');

describe('Backstage components on GitLab', () => {
  it('gitlab.com/project-slug (nested groups too) is the repository', () => {
    const read = catalogEventsFromYaml(component({ 'gitlab.com/project-slug': 'acme/platform/payments-api' }), { file: 'catalog-info.yaml' }, NOW);
    expect(read.problems).toEqual([]);
    expect(read.events[0]).toMatchObject({ type: 'catalog_entity', data: { service: 'payments-api', repo: 'acme/platform/payments-api', path: null } });
  });

  it('a GitLab source location (/-/tree/<branch>/<path>) gives the project and the monorepo path', () => {
    expect(sourceLocation('url:https://gitlab.example.com/acme/platform/mono/-/tree/main/services/billing/')).toEqual({ repo: 'acme/platform/mono', path: 'services/billing' });
    expect(sourceLocation('url:https://gitlab.com/acme/mono/-/tree/main')).toEqual({ repo: 'acme/mono', path: null });
    // GitHub locations read as before.
    expect(sourceLocation('url:https://github.com/acme/mono/tree/main/services/billing')).toEqual({ repo: 'acme/mono', path: 'services/billing' });
  });

  it('a project slug that is not a path is reported with the annotation named', () => {
    const read = catalogEventsFromYaml(component({ 'gitlab.com/project-slug': 'payments-api' }), { file: 'catalog-info.yaml' }, NOW);
    expect(read.events).toEqual([]);
    expect(read.problems[0]?.problem).toContain('metadata.annotations["gitlab.com/project-slug"]: expected group/project or group/subgroup/project');
  });
});
