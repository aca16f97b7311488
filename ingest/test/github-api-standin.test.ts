import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import formats, { type FormatsPlugin } from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '../src/bus/in-process.js';
import type { BusRecord } from '../src/bus/bus.js';
import { MemoryCursorStore } from '../src/backfill-cursor.js';
import { defaultNormaliseContext } from '../src/delivery.js';
import { GithubApi } from '../src/github/api.js';
import { backfillGithub } from '../src/github/backfill.js';
import { GithubApiStandin } from './github-api-standin.js';
import { githubFixture } from './github-fixture.js';

/*
 * The stand-in is only worth its tests if it answers like GitHub: every REST answer a backfill
 * received is checked against the response schema of its operation in GitHub's published OpenAPI
 * description (@octokit/openapi).
 */

class DiscardingBus extends InProcessBus {
  override async publish(_records: BusRecord[]): Promise<void> {}
}

/** OpenAPI 3.0 `nullable: true` → JSON Schema (`type: [T, 'null']`, or `anyOf` with null when there is no type). */
function jsonSchemaOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(jsonSchemaOf);
  if (node === null || typeof node !== 'object') return node;
  const source = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) if (key !== 'nullable') out[key] = jsonSchemaOf(value);
  if (source.nullable !== true) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

const require = createRequire(import.meta.url);
const ajv = new Ajv({ strict: false, allErrors: true });
// ajv-formats is CommonJS: under NodeNext its default export is the module object.
const addFormats = (formats as unknown as { default: FormatsPlugin }).default;
addFormats(ajv);
const operations = new Map<string, { path: string; method: string }>();

function validatorOf(operationId: string, status: number): ValidateFunction {
  const operation = operations.get(operationId);
  if (!operation) throw new Error(`no operation ${operationId} in GitHub's OpenAPI description`);
  const pointer = (part: string) => part.replaceAll('~', '~0').replaceAll('/', '~1');
  const ref = `github#/paths/${pointer(operation.path)}/${operation.method}/responses/${status}/content/application~1json/schema`;
  return ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
}

let standin: GithubApiStandin;
const APP_ID = 424242;
const INSTALLATION_ID = 5151;
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });

beforeAll(async () => {
  const spec = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as { paths: Record<string, Record<string, { operationId?: string }>> };
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(item)) if (operation?.operationId) operations.set(operation.operationId, { path, method });
  }
  ajv.addSchema(jsonSchemaOf(spec) as object, 'github');
  standin = await GithubApiStandin.start({
    fixture: githubFixture(), record: true, app: { id: APP_ID, publicKey: keys.publicKey, installationId: INSTALLATION_ID },
  });
  const context = { ...defaultNormaliseContext, deploymentWorkflowPattern: /deploy/i };
  // A token run over the organisation, and a GitHub App run over an explicit repository.
  const tokenApi = await GithubApi.connect({ apiUrl: standin.url, auth: { kind: 'token', token: 'standin-token' }, graphqlIntervalMs: 0 });
  await backfillGithub({ api: tokenApi, bus: new DiscardingBus(), cursors: new MemoryCursorStore(), context, org: 'acme', commitFiles: { requests: 3, repos: ['acme/platform-monorepo'] } });
  const privateKey = keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const appApi = await GithubApi.connect({ apiUrl: standin.url, auth: { kind: 'app', appId: String(APP_ID), privateKey, installationOf: { repo: 'acme/web' } }, graphqlIntervalMs: 0 });
  await backfillGithub({ api: appApi, bus: new DiscardingBus(), cursors: new MemoryCursorStore(), context, repos: ['acme/web'] });
  await GithubApi.connect({ apiUrl: standin.url, auth: { kind: 'app', appId: String(APP_ID), privateKey, installationOf: { org: 'acme' } }, graphqlIntervalMs: 0 });
}, 60_000);

afterAll(async () => standin?.close());

describe('GitHub API stand-in', () => {
  it('answers every REST request a backfill makes in the shape GitHub documents for the operation', () => {
    const problems: string[] = [];
    for (const answer of standin.recorded) {
      const validate = validatorOf(answer.operationId, answer.status);
      if (!validate(answer.body)) problems.push(`${answer.operationId}: ${ajv.errorsText(validate.errors?.slice(0, 3))}`);
    }
    expect(problems).toEqual([]);
    expect(new Set(standin.recorded.map((answer) => answer.operationId))).toEqual(new Set([
      'repos/list-for-org', 'repos/get', 'pulls/list', 'pulls/list-commits', 'pulls/list-reviews', 'repos/list-commits', 'repos/list-deployments',
      'repos/list-deployment-statuses', 'actions/list-repo-workflows', 'actions/list-workflow-runs', 'issues/list-for-repo', 'repos/list-releases',
      'repos/get-content', 'repos/compare-commits-with-basehead', 'repos/get-commit', 'apps/get-repo-installation', 'apps/get-org-installation', 'apps/create-installation-access-token',
    ]));
  }, 60_000);

  it('the schema check is real: a deployment without its sha is refused', () => {
    const answer = standin.recorded.find((a) => a.operationId === 'repos/list-deployments')!;
    const broken = (answer.body as Record<string, unknown>[]).map(({ sha: _sha, ...rest }) => rest);
    expect(validatorOf('repos/list-deployments', 200)(broken)).toBe(false);
  });

  it('paginates with Link headers and answers If-None-Match with 304 and no body', async () => {
    const headers = { authorization: 'token standin-token' };
    const first = await fetch(`${standin.url}/repos/acme/payments-api/commits?per_page=10`, { headers });
    expect(first.headers.get('link')).toMatch(/<[^>]+page=2>; rel="next", <[^>]+page=\d+>; rel="last"/);
    const etag = first.headers.get('etag')!;
    const again = await fetch(`${standin.url}/repos/acme/payments-api/commits?per_page=10`, { headers: { ...headers, 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(Number(again.headers.get('x-ratelimit-remaining'))).toBe(Number(first.headers.get('x-ratelimit-remaining')));
  });

  it('refuses a wrong token with 401', async () => {
    const response = await fetch(`${standin.url}/repos/acme/web`, { headers: { authorization: 'token wrong' } });
    expect(response.status).toBe(401);
  });
});
