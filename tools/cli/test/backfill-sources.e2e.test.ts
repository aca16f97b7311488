import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitlabApiStandin, gitlabFixture } from '../../../ingest/test/gitlab-api-standin.js';

/*
 * `paved backfill gitlab` and `paved backfill jira` as a user runs them: the CLI in its own process,
 * paved.config.yaml pointing at stand-ins on loopback, the embedded warehouse in a temporary
 * directory. A second run finds its cursors in the warehouse and fetches nothing again.
 */

const BIN = join(import.meta.dirname, '..', 'bin', 'paved.mjs');
let dir: string;
let gitlab: GitlabApiStandin;
let jira: Server;
let jiraUrl: string;

/** One resolved JSM incident, as Jira Cloud's enhanced search answers it. */
const ISSUE = {
  id: '10012', key: 'OPS-12', self: 'https://acme.atlassian.net/rest/api/3/issue/10012',
  fields: {
    summary: 'Checkout errors', issuetype: { name: 'Incident' }, project: { key: 'OPS' }, priority: { name: 'High' }, components: [{ name: 'payments' }],
    status: { id: '5', name: 'Resolved', statusCategory: { key: 'done' } }, created: '2026-01-07T10:20:00.000+0000', updated: '2026-01-07T12:30:00.000+0000',
    statuscategorychangedate: '2026-01-07T12:30:00.000+0000', resolutiondate: '2026-01-07T12:30:00.000+0000', description: null,
  },
  changelog: { histories: [] },
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paved-backfill-cli-'));
  gitlab = await GitlabApiStandin.start(gitlabFixture());
  jira = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const authorised = request.headers.authorization === `Basic ${Buffer.from('ops@acme.example:jira-token').toString('base64')}`;
      response.writeHead(authorised ? 200 : 401, { 'content-type': 'application/json' });
      response.end(JSON.stringify(authorised ? { issues: [ISSUE], isLast: true } : { errorMessages: ['Client must be authenticated'] }));
    });
  });
  await new Promise<void>((resolve) => jira.listen(0, '127.0.0.1', resolve));
  jiraUrl = `http://127.0.0.1:${(jira.address() as AddressInfo).port}`;
  writeFileSync(join(dir, 'paved.config.yaml'), [
    'sources:',
    '  gitlab:',
    `    apiUrl: ${gitlab.url}`,
    '    groups: [acme]',
    '  jira:',
    `    baseUrl: ${jiraUrl}`,
    '    projects: [OPS]',
  ].join('\n'));
}, 60_000);

afterAll(async () => {
  await gitlab?.close();
  await new Promise<void>((resolve) => (jira ? jira.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function paved(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, PAVED_CONFIG: join(dir, 'paved.config.yaml'), PAVED_DATA_DIR: join(dir, 'data'), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('paved backfill gitlab / jira (CLI, embedded warehouse)', () => {
  it('without a token it says which variable to set, and fetches nothing', async () => {
    const run = await paved(['backfill', 'gitlab']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('set GITLAB_TOKEN to a personal, group or project access token with the read_api scope');
    expect(gitlab.requests).toEqual([]);
  }, 60_000);

  it('backfills the group into the warehouse; the second run fetches only the listings and sends nothing', async () => {
    const first = await paved(['backfill', 'gitlab', '--json'], { GITLAB_TOKEN: 'standin-token' });
    expect(first.stderr).not.toMatch(/standin-token/);
    expect(first.status).toBe(0);
    const result = JSON.parse(first.stdout) as { projects: string[]; fetched: { mergeRequests: number; compares: number }; deadLettered: number; deliveries: number };
    expect(result).toMatchObject({ projects: ['acme/payments', 'acme/platform/web'], fetched: { mergeRequests: 13, compares: 2 }, deadLettered: 0 });
    expect(first.stderr).toContain('transform finished');

    const second = await paved(['backfill', 'gitlab', '--json'], { GITLAB_TOKEN: 'standin-token' });
    expect(second.status).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ deliveries: 0, requests: 18 });
  }, 180_000);

  it('backfills Jira incidents with JIRA_EMAIL and JIRA_API_TOKEN, and names them when Jira refuses', async () => {
    const refused = await paved(['backfill', 'jira'], { JIRA_EMAIL: 'ops@acme.example', JIRA_API_TOKEN: 'wrong' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('check JIRA_EMAIL and JIRA_API_TOKEN');
    const run = await paved(['backfill', 'jira', '--json'], { JIRA_EMAIL: 'ops@acme.example', JIRA_API_TOKEN: 'jira-token' });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ issues: 1, events: 1, deadLettered: 0, jql: 'project in ("OPS") AND issuetype in ("Incident") ORDER BY updated ASC, key ASC' });
  }, 180_000);
});
