import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import formats, { type FormatsPlugin } from 'ajv-formats';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, BusRecord } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process.js';
import { defaultNormaliseContext } from '../src/delivery.js';
import {
  checkGithubAccess, ConnectError, describeMissing, ensureWebhooks, GITHUB_WEBHOOK_EVENTS, restClientOf, webhookUrlOf, type GithubCredentials, type GithubTarget,
} from '../src/github/connect.js';
import { WebhookReceiver } from '../src/http/webhooks.js';
import { GithubApiStandin } from './github-api-standin.js';
import { githubFixture } from './github-fixture.js';

/*
 * `paved connect github`, GitHub side, against the stand-in API: what each kind of credential may
 * do (classic scopes, fine-grained probes, App installation permissions), the missing ones named
 * with why, and the webhook created or updated through the hooks API, then proven by a delivery
 * the stand-in signs with the hook's own config and Paved's receiver accepts.
 */

class RecordingBus extends InProcessBus {
  readonly records: BusRecord[] = [];
  override async publish(records: BusRecord[]): Promise<void> {
    this.records.push(...records);
  }
}

const READS = { metadata: 'read', contents: 'read', pull_requests: 'read', deployments: 'read', issues: 'read', actions: 'read' } as const;
const APP_ID = 77001;
const INSTALLATION_ID = 9901;
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKey = keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

let standin: GithubApiStandin;
let receiverServer: Server;
let receiverUrl: string;
const bus = new RecordingBus();
const secrets: { GITHUB_WEBHOOK_SECRET?: string } = {};

beforeAll(async () => {
  standin = await GithubApiStandin.start({
    fixture: githubFixture(), record: true,
    tokenProfiles: {
      'classic-nothing': { kind: 'classic', scopes: ['read:org'] },
      'classic-repo': { kind: 'classic', scopes: ['repo', 'read:org'] },
      'classic-admin': { kind: 'classic', scopes: ['repo', 'admin:org_hook'] },
      'fine-read': { kind: 'fine-grained', permissions: { ...READS } },
      'fine-no-deployments': { kind: 'fine-grained', permissions: { metadata: 'read', contents: 'read', pull_requests: 'read', issues: 'read', actions: 'read', organization_hooks: 'write' } },
      'fine-full': { kind: 'fine-grained', permissions: { ...READS, organization_hooks: 'write' } },
      'fine-read-hooks': { kind: 'fine-grained', permissions: { ...READS, organization_hooks: 'read' } },
    },
    app: { id: APP_ID, publicKey: keys.publicKey, installationId: INSTALLATION_ID, permissions: { ...READS, organization_hooks: 'write' } },
  });
  const receiver = new WebhookReceiver({ bus: bus as Bus, secrets, context: defaultNormaliseContext });
  receiverServer = createServer((req, res) => void receiver.handle(req, res).then((handled) => { if (!handled) { res.writeHead(404); res.end(); } }));
  await new Promise<void>((resolve) => receiverServer.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiverServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await standin?.close();
  await new Promise((resolve) => receiverServer?.close(resolve));
});
beforeEach(() => {
  standin.hooks.length = 0;
  bus.records.length = 0;
});

const ORG: GithubTarget = { org: 'acme', repos: [] };
const token = (value: string): GithubCredentials => ({ kind: 'token', token: value });

async function check(credentials: GithubCredentials, target: GithubTarget = ORG) {
  const { rest, installation } = await restClientOf(standin.url, credentials, target);
  return { rest, report: await checkGithubAccess(rest, credentials, target, installation) };
}

const push = {
  ref: 'refs/heads/main', before: '0'.repeat(40), after: 'b'.repeat(40), repository: { full_name: 'acme/web', name: 'web', owner: { login: 'acme' } },
  commits: [{ id: 'b'.repeat(40), message: 'fix', timestamp: '2026-11-30T10:00:00Z', author: { name: 'Ada', email: 'ada@acme.test', username: 'ada' } }], pusher: { name: 'ada' },
};

describe('permissions', () => {
  it('a classic token without scopes: every missing permission is named with why and the scope to add, and nothing is created', async () => {
    const { report } = await check(token('classic-nothing'));
    expect(report.credential).toBe('classic token');
    expect(report.scopes).toEqual(['read:org']);
    expect(report.ok).toBe(false);
    expect(report.missing.map((m) => m.permission)).toEqual(['metadata', 'contents', 'pull_requests', 'deployments', 'issues', 'actions', 'organization_hooks']);
    const pulls = report.missing.find((m) => m.permission === 'pull_requests')!;
    expect(pulls.why).toMatch(/lead time/);
    expect(pulls.grant).toMatch(/the repo scope/);
    expect(report.missing.at(-1)!.grant).toMatch(/admin:org_hook/);
    expect(describeMissing(report)[0]).toMatch(/^missing Metadata: Read-only — needed to list the repositories.*X-OAuth-Scopes: read:org/);
    expect(standin.hooks).toEqual([]);
    expect(standin.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('a classic token with repo but not admin:org_hook gets a webhook per repository instead', async () => {
    const { report } = await check(token('classic-repo'));
    expect(report.ok).toBe(true);
    expect(report.hookScope).toBe('repos');
    expect(report.hookScopeReason).toMatch(/cannot administer the organisation's webhooks/);
  });

  it('a fine-grained token is probed: a 403 names the permission GitHub wants', async () => {
    const { report } = await check(token('fine-no-deployments'));
    expect(report.credential).toBe('fine-grained token');
    expect(report.sampleRepo).toMatch(/^acme\//);
    expect(report.missing.map((m) => `${m.permission}:${m.level}`)).toEqual(['deployments:read']);
    expect(report.missing[0]!.evidence).toMatch(/deployments → 403 \(GitHub wants deployments=read\)/);
    expect(report.missing[0]!.grant).toMatch(/Deployments: Read-only on the token/);
  });

  it('a fine-grained token that can read but administer no webhook is refused for the webhook', async () => {
    const { report } = await check(token('fine-read'));
    expect(report.missing.map((m) => m.permission)).toEqual(['organization_hooks']);
    expect(report.missing[0]!.label).toBe('Organization permissions → Webhooks: Read and write');
  });

  it('a GitHub App: a JWT gets the installation and a token; the installation\'s permissions decide', async () => {
    const { report, rest } = await check({ kind: 'app', appId: String(APP_ID), privateKey });
    expect(report.credential).toBe('GitHub App installation');
    expect(report.permissions).toMatchObject({ organization_hooks: 'write', deployments: 'read' });
    expect(report.ok).toBe(true);
    expect(report.hookScope).toBe('org');
    const hooks = await ensureWebhooks(rest, { target: ORG, hookScope: 'org', url: `${receiverUrl}/webhooks/github`, secret: 'app-secret' });
    expect(hooks.map((h) => h.action)).toEqual(['created']);
  });

  it('a GitHub App named by installation id works without the organisation lookup', async () => {
    const { report } = await check({ kind: 'app', appId: String(APP_ID), privateKey, installationId: INSTALLATION_ID });
    expect(report.ok).toBe(true);
    await expect(check({ kind: 'app', appId: String(APP_ID), privateKey, installationId: 1 })).rejects.toThrow(/not installed on installation 1/);
  });

  it('bad credentials and an unknown organisation are plain errors', async () => {
    await expect(check(token('nope'))).rejects.toThrow(/401 Bad credentials/);
    await expect(check(token('classic-admin'), { org: 'nosuchorg', repos: [] })).rejects.toThrow(/no organisation "nosuchorg"/);
    await expect(check(token('classic-admin'), { repos: ['acme/nosuchrepo'] })).rejects.toThrow(/no repository acme\/nosuchrepo/);
  });
});

describe('the webhook', () => {
  it('is created on the organisation with Paved\'s events, JSON and the secret; a delivery signed from its config is accepted by the receiver', async () => {
    const { rest, report } = await check(token('classic-admin'));
    expect(report.hookScope).toBe('org');
    secrets.GITHUB_WEBHOOK_SECRET = 'first-secret-0123456789';
    const url = webhookUrlOf(receiverUrl, '/webhooks/github', true);
    const outcomes = await ensureWebhooks(rest, { target: ORG, hookScope: report.hookScope, url, secret: secrets.GITHUB_WEBHOOK_SECRET });
    expect(outcomes).toEqual([{ target: 'org:acme', id: standin.hooks[0]!.id, action: 'created', events: [...GITHUB_WEBHOOK_EVENTS], url }]);
    expect(standin.hooks).toHaveLength(1);
    expect(standin.hooks[0]).toMatchObject({ repo: null, active: true, events: [...GITHUB_WEBHOOK_EVENTS], config: { url, content_type: 'json', secret: 'first-secret-0123456789', insecure_ssl: '0' } });

    // GitHub pings a new hook first: Paved acknowledges it.
    const ping = await standin.deliver(standin.hooks[0]!, 'ping', { zen: 'Keep it logically awesome.', hook_id: standin.hooks[0]!.id, hook: { type: 'Organization', id: standin.hooks[0]!.id, events: standin.hooks[0]!.events }, organization: { login: 'acme' } });
    expect(ping.status).toBeLessThan(300);
    const delivered = await standin.deliver(standin.hooks[0]!, 'push', push);
    expect(delivered.status).toBe(202);
    expect(bus.records.map((r) => r.topic)).toContain('events');
    // The same hook with a secret Paved does not hold is refused: the test would see a wrong secret.
    secrets.GITHUB_WEBHOOK_SECRET = 'another-secret';
    expect((await standin.deliver(standin.hooks[0]!, 'push', push)).status).toBe(401);
  });

  it('already there (same URL): updated in place with the new secret and events, not duplicated', async () => {
    const { rest } = await check(token('classic-admin'));
    const url = webhookUrlOf(receiverUrl, '/webhooks/github', true);
    // Someone made it by hand earlier: form content, two events, an old secret, disabled.
    const created = await rest.call('POST', '/orgs/acme/hooks', { name: 'web', active: false, events: ['push', 'issues'], config: { url, content_type: 'form', secret: 'old' } });
    expect(created.status).toBe(201);
    const other = await rest.call('POST', '/orgs/acme/hooks', { name: 'web', events: ['push'], config: { url: 'https://ci.acme.test/hook', content_type: 'json' } });
    expect(other.status).toBe(201);
    // GitHub refuses a second hook with the same URL.
    expect((await rest.call('POST', '/orgs/acme/hooks', { name: 'web', config: { url } })).status).toBe(422);

    secrets.GITHUB_WEBHOOK_SECRET = 'rotated-secret-abcdef';
    const outcomes = await ensureWebhooks(rest, { target: ORG, hookScope: 'org', url, secret: secrets.GITHUB_WEBHOOK_SECRET });
    expect(outcomes.map((o) => [o.action, o.id])).toEqual([['updated', (created.data as { id: number }).id]]);
    expect(standin.hooks).toHaveLength(2);
    const hook = standin.hooks.find((h) => h.config.url === url)!;
    expect(hook).toMatchObject({ active: true, events: [...GITHUB_WEBHOOK_EVENTS], config: { content_type: 'json', secret: 'rotated-secret-abcdef' } });
    expect(standin.hooks.find((h) => h.config.url !== url)!.config.url).toBe('https://ci.acme.test/hook');
    expect((await standin.deliver(hook, 'push', push)).status).toBe(202);

    // And a second connect changes nothing but the timestamps.
    const again = await ensureWebhooks(rest, { target: ORG, hookScope: 'org', url, secret: secrets.GITHUB_WEBHOOK_SECRET });
    expect(again.map((o) => o.action)).toEqual(['updated']);
    expect(standin.hooks).toHaveLength(2);
  });

  it('per repository when the token cannot administer the organisation\'s hooks: one per repository, none on the organisation', async () => {
    const { rest, report } = await check(token('classic-repo'));
    const url = webhookUrlOf('https://paved.acme.example', '/webhooks/github');
    const outcomes = await ensureWebhooks(rest, { target: ORG, hookScope: report.hookScope, url, secret: 's' });
    const repos = githubFixture().repos.map((r) => `repo:${r.owner}/${r.name}`);
    expect(outcomes.map((o) => o.target)).toEqual(repos);
    expect(standin.hooks.every((h) => h.repo !== null && h.config.url === 'https://paved.acme.example/webhooks/github')).toBe(true);
  });

  it('named repositories get their own hooks even when the organisation\'s could be used', async () => {
    const target = { org: 'acme', repos: ['acme/web'] };
    const { rest, report } = await check(token('classic-admin'), target);
    expect(report.hookScope).toBe('repos');
    expect(report.hookScopeReason).toBe('repositories were named');
    await ensureWebhooks(rest, { target, hookScope: 'repos', url: 'https://paved.acme.example/webhooks/github', secret: 's' });
    expect(standin.hooks.map((h) => h.repo)).toEqual(['acme/web']);
  });

  it('a fine-grained token that only reads hooks: the create is refused with the permission to add', async () => {
    const { rest, report } = await check(token('fine-read-hooks'));
    expect(report.ok).toBe(true); // read is all a probe can show
    await expect(ensureWebhooks(rest, { target: ORG, hookScope: 'org', url: 'https://paved.acme.example/webhooks/github', secret: 's' }))
      .rejects.toThrow(/refused to create the webhook on acme \(403, wants organization_hooks=write\): the credentials need Organization permissions → Webhooks: Read and write/);
    expect(standin.hooks).toEqual([]);
  });
});

describe('the webhook URL', () => {
  it('appends the route and refuses loopback addresses GitHub cannot reach', () => {
    expect(webhookUrlOf('https://paved.acme.example', '/webhooks/github')).toBe('https://paved.acme.example/webhooks/github');
    expect(webhookUrlOf('https://acme.example/paved/', '/webhooks/github')).toBe('https://acme.example/paved/webhooks/github');
    expect(webhookUrlOf('https://paved.acme.example/webhooks/github', '/webhooks/github')).toBe('https://paved.acme.example/webhooks/github');
    for (const local of ['http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000', 'http://paved.localhost']) {
      expect(() => webhookUrlOf(local, '/webhooks/github'), local).toThrow(ConnectError);
      expect(() => webhookUrlOf(local, '/webhooks/github'), local).toThrow(/loopback address, which GitHub cannot reach/);
    }
    expect(webhookUrlOf('http://127.0.0.1:3000', '/webhooks/github', true)).toBe('http://127.0.0.1:3000/webhooks/github');
    expect(() => webhookUrlOf('ftp://x', '/webhooks/github')).toThrow(/https:\/\//);
    expect(() => webhookUrlOf('paved', '/webhooks/github')).toThrow(/not a URL/);
  });
});

describe('the stand-in\'s hooks answers', () => {
  it('have the shapes of GitHub\'s OpenAPI description', async () => {
    const { rest } = await check(token('classic-admin'));
    await ensureWebhooks(rest, { target: ORG, hookScope: 'org', url: 'https://paved.acme.example/webhooks/github', secret: 's' });
    await ensureWebhooks(rest, { target: ORG, hookScope: 'org', url: 'https://paved.acme.example/webhooks/github', secret: 's' });
    await ensureWebhooks(rest, { target: { org: 'acme', repos: ['acme/web'] }, hookScope: 'repos', url: 'https://paved.acme.example/webhooks/github', secret: 's' });
    await ensureWebhooks(rest, { target: { org: 'acme', repos: ['acme/web'] }, hookScope: 'repos', url: 'https://paved.acme.example/webhooks/github', secret: 's' });
    await check({ kind: 'app', appId: String(APP_ID), privateKey, installationId: INSTALLATION_ID });

    const require = createRequire(import.meta.url);
    const spec = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as { paths: Record<string, Record<string, { operationId?: string }>> };
    const ajv = new Ajv({ strict: false, allErrors: true });
    (formats as unknown as { default: FormatsPlugin }).default(ajv);
    ajv.addSchema(nullable(spec) as object, 'github');
    const operations = new Map<string, string>();
    for (const [path, item] of Object.entries(spec.paths)) for (const [method, op] of Object.entries(item)) if (op?.operationId) operations.set(op.operationId, `/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${method}`);
    const wanted = ['orgs/list-webhooks', 'orgs/create-webhook', 'orgs/update-webhook', 'repos/list-webhooks', 'repos/create-webhook', 'repos/update-webhook', 'apps/get-installation'];
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const answer of standin.recorded.filter((a) => wanted.includes(a.operationId))) {
      seen.add(answer.operationId);
      const validate = ajv.compile({ $ref: `github#${operations.get(answer.operationId)}/responses/${answer.status}/content/application~1json/schema` });
      if (!validate(answer.body)) problems.push(`${answer.operationId}: ${ajv.errorsText(validate.errors?.slice(0, 3))}`);
    }
    expect(problems).toEqual([]);
    expect([...seen].sort()).toEqual([...wanted].sort());
  });
});

/** OpenAPI 3.0 `nullable: true` → JSON Schema. */
function nullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullable);
  if (node === null || typeof node !== 'object') return node;
  const source = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) if (key !== 'nullable') out[key] = nullable(value);
  if (source.nullable !== true) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}
