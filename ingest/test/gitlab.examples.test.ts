import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GITLAB_ASSUMED } from '../src/gitlab/normalise.js';
import { startReceiver, type ReceiverHarness } from './receiver-harness.js';

/*
 * Every payload example of GitLab's webhook documentation (fixtures/gitlab, unchanged), sent to
 * POST /webhooks/gitlab with the X-Gitlab-Event header the documentation names for it, and the
 * outcome Paved gives it. A new fixture without an expectation here fails the last test.
 */

const TOKEN = 'gitlab-secret-token';
const FIXTURES = join(import.meta.dirname, 'fixtures', 'gitlab');

type Expected = { outcome: 'ok'; events: string[]; assumed?: string[] } | { outcome: 'ignored' };
const ignored: Expected = { outcome: 'ignored' };

/** file → [X-Gitlab-Event as documented, what Paved makes of it] */
const EXAMPLES: Record<string, [string, Expected]> = {
  '01-push-hook.json': ['Push Hook', { outcome: 'ok', events: ['push', 'commit', 'commit'], assumed: [GITLAB_ASSUMED.pushTruncated] }],
  '02-tag-push-hook.json': ['Tag Push Hook', ignored],
  '03-issue-hook.json': ['Issue Hook', ignored],
  '04-note-hook-commit.json': ['Note Hook', ignored],
  '05-note-hook-merge-request.json': ['Note Hook', { outcome: 'ok', events: ['review'] }],
  '06-note-hook-issue.json': ['Note Hook', ignored],
  '07-note-hook-snippet.json': ['Note Hook', ignored],
  '08-merge-request-hook.json': ['Merge Request Hook', { outcome: 'ok', events: ['pull_request'] }],
  '09-wiki-page-hook.json': ['Wiki Page Hook', ignored],
  '10-pipeline-hook.json': ['Pipeline Hook', ignored],
  '11-job-hook.jsonc': ['Job Hook', ignored],
  '12-deployment-hook.json': ['Deployment Hook', { outcome: 'ok', events: ['deployment'] }],
  '13-member-hook-add.json': ['Member Hook', ignored],
  '14-member-hook-update.json': ['Member Hook', ignored],
  '15-member-hook-remove.json': ['Member Hook', ignored],
  '16-member-hook-access-request.json': ['Member Hook', ignored],
  '17-member-hook-access-denied.json': ['Member Hook', ignored],
  '18-project-hook-create.json': ['Project Hook', ignored],
  '19-project-hook-destroy.json': ['Project Hook', ignored],
  '20-subgroup-hook-create.json': ['Subgroup Hook', ignored],
  '21-subgroup-hook-destroy.json': ['Subgroup Hook', ignored],
  '22-feature-flag-hook.json': ['Feature Flag Hook', ignored],
  '23-release-hook.jsonc': ['Release Hook', ignored],
  '24-milestone-hook.json': ['Milestone Hook', ignored],
  '25-emoji-hook.json': ['Emoji Hook', ignored],
  '26-resource-access-token-hook-project.json': ['Resource Access Token Hook', ignored],
  '27-resource-access-token-hook-group.json': ['Resource Access Token Hook', ignored],
  '28-vulnerability-hook.json': ['Vulnerability Hook', ignored],
};

let harness: ReceiverHarness;
let bus: ReceiverHarness['bus'];
let deliveries = 0;

beforeAll(async () => {
  harness = await startReceiver({ secrets: { GITLAB_WEBHOOK_TOKEN: TOKEN } });
  bus = harness.bus;
});
afterAll(() => harness.close());
afterEach(() => { bus.records.length = 0; });

async function gitlab(event: string | undefined, body: string, headers: Record<string, string | undefined> = {}) {
  return harness.post('/webhooks/gitlab', body, { 'content-type': 'application/json', 'x-gitlab-event': event, 'x-gitlab-token': TOKEN, 'idempotency-key': `key-${++deliveries}`, ...headers });
}

/** The documentation's `// comments` and trailing commas removed (GitLab itself sends neither); strings are left alone. */
function withoutDocComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (inString) {
      out += char;
      if (char === '\\') out += text[++i] ?? '';
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
      out += char;
    } else if (char === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i += 1;
      out += '\n';
    } else {
      out += char;
    }
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

const eventTypes = () => bus.records.filter((record) => record.topic === 'events').map((record) => (JSON.parse(record.value) as { type: string }).type);

describe("GitLab's documented webhook examples through POST /webhooks/gitlab", () => {
  for (const [file, [event, expected]] of Object.entries(EXAMPLES)) {
    it(`${file} (${event}) is ${expected.outcome}${expected.outcome === 'ok' ? `: ${expected.events.join(', ')}` : ''}`, async () => {
      const published = readFileSync(join(FIXTURES, file), 'utf8');
      const body = file.endsWith('.jsonc') ? withoutDocComments(published) : published;
      const answer = await gitlab(event, body);
      expect(answer.status).toBe(202);
      expect(answer.body).toMatchObject({ accepted: true, outcome: expected.outcome, duplicate: false });
      // Archived raw whatever the outcome, so it can be replayed when Paved learns more.
      expect(bus.records.filter((record) => record.topic === 'raw')).toHaveLength(1);
      expect(bus.records.filter((record) => record.topic === 'dlq')).toEqual([]);
      if (expected.outcome === 'ok') {
        expect(eventTypes()).toEqual(expected.events);
        expect(answer.body.assumed ?? []).toEqual(expected.assumed ?? []);
      } else {
        expect(eventTypes()).toEqual([]);
        expect(String(answer.body.reason)).toMatch(/\w+ \w+/);
      }
    });
  }

  it.each(['11-job-hook.jsonc', '23-release-hook.jsonc'])('%s as published (with // comments) is not JSON: 400 and nothing stored', async (file) => {
    const answer = await gitlab('Job Hook', readFileSync(join(FIXTURES, file), 'utf8'));
    expect(answer.status).toBe(400);
    expect(bus.records).toEqual([]);
  });

  it('every fixture has an expectation', () => {
    expect(readdirSync(FIXTURES).filter((file) => /\.jsonc?$/.test(file)).sort()).toEqual(Object.keys(EXAMPLES).sort());
  });
});

describe('X-Gitlab-Token and idempotency', () => {
  const push = () => readFileSync(join(FIXTURES, '01-push-hook.json'), 'utf8');

  it('a wrong, missing or differently long token is 401 and nothing reaches the bus', async () => {
    for (const token of ['wrong-token', undefined, `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const answer = await gitlab('Push Hook', push(), { 'x-gitlab-token': token });
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ accepted: false });
    }
    expect(bus.records).toEqual([]);
  });

  it('without X-Gitlab-Event the delivery is refused (400) with the header named', async () => {
    const answer = await gitlab(undefined, push());
    expect(answer.status).toBe(400);
    expect(String(answer.body.message)).toContain('X-Gitlab-Event');
  });

  it('the same Idempotency-Key again is acknowledged as a duplicate and publishes nothing more', async () => {
    expect((await gitlab('Push Hook', push(), { 'idempotency-key': 'retry-1' })).body).toMatchObject({ outcome: 'ok', duplicate: false });
    const published = bus.records.length;
    expect((await gitlab('Push Hook', push(), { 'idempotency-key': 'retry-1' })).body).toMatchObject({ duplicate: true, delivery_id: 'gitlab-idempotency:retry-1' });
    expect(bus.records).toHaveLength(published);
  });

  it('without Idempotency-Key, the event UUID with the body identifies the delivery', async () => {
    const headers = { 'idempotency-key': undefined, 'x-gitlab-event-uuid': '2b5f2c0e-7a0b-4b1e-9f43-0f9bb1a1a001' };
    const first = await gitlab('Push Hook', push(), headers);
    expect(first.body.delivery_id).toMatch(/^gitlab-event:2b5f2c0e-7a0b-4b1e-9f43-0f9bb1a1a001:[0-9a-f]{16}$/);
    expect((await gitlab('Push Hook', push(), headers)).body).toMatchObject({ duplicate: true });
  });
});

describe('without GITLAB_WEBHOOK_TOKEN', () => {
  it('the endpoint is closed (401) and says which variable to set', async () => {
    const closed = await startReceiver({ secrets: {}, bus });
    try {
      const response = await closed.post('/webhooks/gitlab', '{}', { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': TOKEN });
      expect(response.status).toBe(401);
      expect(JSON.stringify(response.body)).toContain('GITLAB_WEBHOOK_TOKEN');
    } finally {
      await closed.close();
    }
    expect(bus.records).toEqual([]);
  });
});
