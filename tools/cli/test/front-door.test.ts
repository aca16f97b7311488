/**
 * DNS rebinding: without sign-in, a page at rebind.attacker.example whose name resolves to
 * 127.0.0.1 sends requests with `Host: rebind.attacker.example:<port>` and a matching Origin. The
 * front door of `paved start` refuses them before the dashboard sees them; webhooks (signed) and
 * the health probe stay reachable.
 */
import { createHmac } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultNormaliseContext, InProcessBus, WebhookReceiver } from '@paved/ingest';
import { publicOriginsOf } from '@paved/runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { frontDoor, SURVEY_BODY_LIMIT } from '../src/front-door.js';

let server: Server;
let port: number;
/** What reached the dashboard (which, in loopback mode, treats a same-origin request as admin). */
const reached: string[] = [];

beforeAll(async () => {
  const handle = frontDoor({
    webhooks: new WebhookReceiver({ bus: new InProcessBus(), context: defaultNormaliseContext, secrets: { PAVED_WEBHOOK_TOKEN: 'tok' } }),
    gate: null,
    publicOrigins: publicOriginsOf({ server: { publicUrl: 'https://paved.example.com' } }),
    localUrl: 'http://127.0.0.1:3302',
    dashboard: async (request, response) => {
      reached.push(`${request.method} ${request.url}`);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    },
  });
  server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });
beforeEach(() => { reached.length = 0; });

/** fetch cannot set Host; a raw request can, as a rebound browser would send it. */
function send(method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method, path, setHost: false, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (response: IncomingMessage) => {
      let text = '';
      response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

const ATTACKER = 'rebind.attacker.example:3302';
const adminActions: [string, string, string][] = [
  ['recompute', 'POST', '/api/admin/transform'],
  ['overrides', 'POST', '/api/admin/overrides'],
  ['ROI', 'POST', '/api/admin/roi'],
  ['dead-letter replay', 'POST', '/api/admin/dlq/replay'],
  ['digests', 'POST', '/api/admin/digest'],
  ['survey import', 'POST', '/api/admin/surveys/c1/import'],
  ['exports', 'GET', '/api/v1/export/deployments.csv?from=2026-01-01&to=2026-02-01'],
  ['a page', 'GET', '/dora'],
];

describe('without sign-in, a Host that is not this Paved is refused', () => {
  it.each(adminActions)('%s with Host %s… and a matching Origin: 421, never reaches the dashboard', async (_name, method, path) => {
    const answer = await send(method, path, { host: ATTACKER, origin: `http://${ATTACKER}`, 'content-type': 'application/json' }, method === 'POST' ? '{}' : '');
    expect(answer.status).toBe(421);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'misdirected' });
    expect(JSON.parse(answer.body).message).toMatch(/server\.publicUrl/);
    expect(reached).toEqual([]);
  });

  it('a request with an empty Host or none is refused too', async () => {
    expect((await send('POST', '/api/admin/transform', { host: '', origin: 'http://127.0.0.1:3302' })).status).toBe(421);
    // No Host at all: Node's server refuses an HTTP/1.1 request without one (400) before the front door.
    expect((await send('POST', '/api/admin/transform', { origin: 'http://127.0.0.1:3302' })).status).toBe(400);
    expect(reached).toEqual([]);
  });

  it.each(['127.0.0.1:3302', 'localhost:3302', '[::1]:3302', 'paved.example.com'])('Host %s reaches the dashboard', async (host) => {
    const answer = await send('POST', '/api/admin/transform', { host, origin: `http://${host}` });
    expect(answer.status).toBe(200);
    expect(reached).toEqual(['POST /api/admin/transform']);
  });

  it('the health probe answers whatever the Host (probes address the container by its IP)', async () => {
    expect((await send('GET', '/api/health', { host: '10.1.2.3:3000' })).status).toBe(200);
  });

  it('webhooks are authenticated by their signature or token, not by Host', async () => {
    const body = JSON.stringify({ id: 'd-1', service: 'api', environment: 'production', sha: 'abcdef1', status: 'success', finished_at: '2026-01-01T10:00:00Z' });
    expect((await send('POST', '/webhooks/deployments', { host: 'paved.ngrok.example', authorization: 'Bearer tok', 'content-type': 'application/json' }, body)).status).toBe(202);
    expect((await send('POST', '/webhooks/deployments', { host: 'paved.ngrok.example', 'x-paved-signature': `sha256=${createHmac('sha256', 'x').update(body).digest('hex')}` }, body)).status).toBe(401);
    expect(reached).toEqual([]);
  });
});

describe('survey links (open to whoever holds one) take bounded bodies', () => {
  it('a response over the limit is 413 before the dashboard reads it', async () => {
    const answer = await send('POST', '/api/surveys/some-token', { host: '127.0.0.1:3302', 'content-type': 'application/json' }, 'x'.repeat(SURVEY_BODY_LIMIT + 1));
    expect(answer.status).toBe(413);
    expect(reached).toEqual([]);
  });

  it('a response without Content-Length (chunked) is 411', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/s/some-token', headers: { host: '127.0.0.1:3302', 'transfer-encoding': 'chunked' } }, (response) => { response.resume(); resolve(response.statusCode ?? 0); });
      request.on('error', reject);
      request.write('team=a');
      request.end();
    });
    expect(status).toBe(411);
    expect(reached).toEqual([]);
  });

  it('an ordinary response reaches the dashboard', async () => {
    expect((await send('POST', '/api/surveys/some-token', { host: '127.0.0.1:3302', 'content-type': 'application/json' }, '{"answers":{}}')).status).toBe(200);
    expect(reached).toEqual(['POST /api/surveys/some-token']);
  });
});
