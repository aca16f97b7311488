/**
 * The anonymous survey endpoint (POST /api/surveys/:token) answered by the front door's Hono routes
 * rather than Next.js: same statuses and JSON as the surveys package's handler, after the same
 * bounded-body checks, on a real embedded warehouse.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PavedConfig } from '@paved/schemas';
import { createCampaign, inviteToCampaign, keysOf, LINK_MESSAGES, postResponse, requestOrigin } from '@paved/surveys';
import { migrate, Warehouse } from '@paved/warehouse';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { frontDoor, SURVEY_BODY_LIMIT } from '../src/front-door.js';

const OPEN_DAY = new Date('2026-03-03T10:00:00Z');
const config = PavedConfig.parse({ catalog: { teams: [{ name: 'checkout', developers: 8 }, { name: 'payments', developers: 6 }] } });
let dir: string;
let warehouse: Warehouse;
let server: Server;
let port: number;
const reached: string[] = [];
const keys = () => keysOf({ SURVEY_TOKEN_SECRET: 'front door test secret: not for production, 32+ chars', PAVED_DATA_DIR: dir });
const contextOf = (request: Request) => ({ warehouse, config, keys: keys(), origin: requestOrigin(request), now: () => OPEN_DAY });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paved-front-door-surveys-'));
  warehouse = await Warehouse.open({ dataDir: dir, command: 'vitest front-door-surveys' });
  await migrate(warehouse);
  await createCampaign(warehouse, config, { id: 'dx', audience: ['checkout', 'payments'], opens: '2026-03-02', closes: '2026-03-13' }, new Date('2026-03-01T00:00:00Z'));
  const handle = frontDoor({
    gate: null, publicOrigins: [], localUrl: 'http://127.0.0.1:3302', surveys: contextOf,
    dashboard: async (request, response) => {
      reached.push(`${request.method} ${request.url}`);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('dashboard');
    },
  });
  server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await warehouse?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => { reached.length = 0; });

async function link(team = 'checkout'): Promise<string> {
  const outcome = await inviteToCampaign(warehouse, keys(), 'dx', [{ email: `someone-${Math.random()}@example.com`, team }], 'http://127.0.0.1:3302', OPEN_DAY);
  return outcome.links[0]!.url.split('/s/')[1]!;
}

interface Answer { status: number; headers: IncomingMessage['headers']; body: string }

function send(method: string, path: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method, path, headers: { host: '127.0.0.1:3302', ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** What the surveys package's handler answers to the same request, called directly. */
async function direct(token: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  const request = new Request(`http://127.0.0.1:3302/api/surveys/${token}`, { method: 'POST', headers: { host: '127.0.0.1:3302', ...headers }, body });
  const response = await postResponse(request, token, contextOf(request));
  return { status: response.status, body: await response.text() };
}

describe('POST /api/surveys/:token on the front door', () => {
  it('saves a draft: 200 with saved, submitted, answered and errors, and Next.js never sees it', async () => {
    const answer = await send('POST', `/api/surveys/${await link()}`, { 'content-type': 'application/json' }, JSON.stringify({ answers: {}, submit: false }));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ saved: true, submitted: false, answered: 0, errors: {} });
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(reached).toEqual([]);
  });

  it('answers a tampered link, bad JSON and another content type exactly as the handler does', async () => {
    const token = await link();
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const cases: [string, Record<string, string>, string][] = [
      [tampered, { 'content-type': 'application/json' }, '{"answers":{}}'],
      [token, { 'content-type': 'application/json' }, '{not json'],
      [token, { 'content-type': 'text/plain' }, 'hello'],
      [token, { 'content-type': 'application/json' }, '{"answers":[]}'],
    ];
    for (const [t, headers, body] of cases) {
      const viaHono = await send('POST', `/api/surveys/${t}`, headers, body);
      expect({ status: viaHono.status, body: viaHono.body }).toEqual(await direct(t, headers, body));
    }
    const refused = await send('POST', `/api/surveys/${tampered}`, { 'content-type': 'application/json' }, '{}');
    expect(refused.status).toBe(LINK_MESSAGES.tampered.status);
    expect(JSON.parse(refused.body)).toEqual({ error: 'tampered', title: LINK_MESSAGES.tampered.title, message: LINK_MESSAGES.tampered.message });
    expect((await send('POST', `/api/surveys/${token}`, { 'content-type': 'text/plain' }, 'x')).status).toBe(415);
    expect(reached).toEqual([]);
  });

  it('a browser form post (scripts off) is redirected back to the link page with 303', async () => {
    const token = await link();
    const answer = await send('POST', `/api/surveys/${token}`, { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, 'action=save&team=checkout');
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe(`/s/${token}?saved=1`);
  });

  it('keeps the bounded bodies: over the limit is 413 before anything reads it', async () => {
    const answer = await send('POST', `/api/surveys/${await link()}`, { 'content-type': 'application/json' }, 'x'.repeat(SURVEY_BODY_LIMIT + 1));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'too_large' });
  });

  it('other methods get what Next.js answered for the POST-only route: 405, and OPTIONS 204 with Allow', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'HEAD']) {
      const answer = await send(method, '/api/surveys/some-token', {});
      expect([method, answer.status, answer.body]).toEqual([method, 405, '']);
    }
    const options = await send('OPTIONS', '/api/surveys/some-token', {});
    expect([options.status, options.headers.allow]).toEqual([204, 'OPTIONS, POST']);
    expect(reached).toEqual([]);
  });

  it('the link page itself and other paths still go to Next.js', async () => {
    await send('GET', '/s/some-token', {});
    await send('POST', '/api/surveys/a/b', { 'content-type': 'application/json' }, '{}');
    expect(reached).toEqual(['GET /s/some-token', 'POST /api/surveys/a/b']);
  });
});
