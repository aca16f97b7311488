import { describe, expect, it } from 'vitest';
import { PavedEnv } from '@paved/schemas';
import { ConfigError, hasConfiguredSources, normaliseContextOf, parseConfigText } from '../src/config.js';

/* sources.gitlab and sources.jira (docs/sources/gitlab.md, docs/sources/jira.md). */

function problems(text: string): string[] {
  try {
    parseConfigText(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('sources.gitlab and sources.jira', () => {
  it('defaults: gitlab.com, GITLAB_TOKEN, the incident label; Jira incidents by type Incident, components, priority', () => {
    const config = parseConfigText('sources:\n  gitlab: {}\n  jira: {}\n');
    expect(config.sources.gitlab).toEqual({ apiUrl: 'https://gitlab.com/api/v4', tokenEnv: 'GITLAB_TOKEN', groups: [], projects: [], incidentLabel: 'incident' });
    expect(config.sources.jira).toEqual({ projects: [], issueTypes: ['Incident'], serviceField: 'components', severityField: 'priority' });
  });

  it('reach the normalisers through the normalise context', () => {
    const context = normaliseContextOf(parseConfigText([
      'sources:',
      '  gitlab: { incidentLabel: outage, deploymentPipelinePattern: "^deploy" }',
      '  jira: { projects: [OPS], issueTypes: [Incident, "Major incident"], serviceField: customfield_10050, deploymentField: customfield_10060 }',
    ].join('\n')));
    expect(context.gitlabIncidentLabel).toBe('outage');
    expect(context.gitlabApiUrl).toBe('https://gitlab.com/api/v4');
    expect(context.gitlabDeploymentPipelinePattern?.test('Deploy checkout')).toBe(true);
    expect(context.jira).toMatchObject({ projects: ['OPS'], issueTypes: ['Incident', 'Major incident'], serviceField: 'customfield_10050', deploymentField: 'customfield_10060' });
    expect(normaliseContextOf(parseConfigText('')).jira).toBeUndefined();
  });

  it('a GitLab project path with subgroups maps to a service like owner/name does', () => {
    const config = parseConfigText('catalog:\n  services:\n    - { name: payments-api, team: payments, repo: acme/platform/payments-api }\n');
    expect(config.catalog.services[0]!.repo).toBe('acme/platform/payments-api');
    expect(problems('catalog:\n  services:\n    - { name: x, team: t, repo: payments-api }\n')[0]).toContain('expected owner/name (GitLab: group/project or group/subgroup/project)');
  });

  it('bad values name the key and the fix', () => {
    expect(problems('sources:\n  jira: { projects: [ops] }\n')[0]).toBe('sources.jira.projects.0: expected a Jira project key such as OPS (got "ops")');
    expect(problems('sources:\n  gitlab: { tokenEnv: "my token" }\n')[0]).toContain('an environment variable name such as GITLAB_TOKEN');
    expect(problems('sources:\n  gitlab: { apiUrl: gitlab.example.com }\n')[0]).toMatch(/^sources\.gitlab\.apiUrl: /);
  });

  it('a GitLab or Jira set-up is a real organisation: paved start then loads no demo', () => {
    const env = PavedEnv.parse({});
    expect(hasConfiguredSources(parseConfigText(''), env)).toBe(false);
    expect(hasConfiguredSources(parseConfigText('sources:\n  gitlab: {}\n'), env)).toBe(true);
    expect(hasConfiguredSources(parseConfigText('sources:\n  jira: {}\n'), env)).toBe(true);
    expect(hasConfiguredSources(parseConfigText(''), PavedEnv.parse({ GITLAB_WEBHOOK_TOKEN: 't' }))).toBe(true);
    expect(hasConfiguredSources(parseConfigText(''), PavedEnv.parse({ JIRA_WEBHOOK_SECRET: 's' }))).toBe(true);
  });
});
