/**
 * The front door hands Next.js the raw request and response: a request body reaches the dashboard
 * as it streams (not buffered first), and the dashboard's answer reaches the client chunk by chunk
 * while it is still being written, through the same Hono app and server `paved start` uses.
 */
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frontDoorApp } from '../src/front-door.js';
import { serveApp } from '../src/ops.js';

let server: Server;
let port: number;
/** Resolves the dashboard's pending answer (the test decides when the stream ends). */
let finishAnswer: () => void = () => {};
const seen: { firstChunkBeforeEnd: boolean | null; bytes: number } = { firstChunkBeforeEnd: null, bytes: 0 };

beforeAll(async () => {
  const app = frontDoorApp({
    gate: null, publicOrigins: [], localUrl: 'http://127.0.0.1',
    dashboard: async (request, response) => {
      if (request.url === '/upload') {
        // Count the body as it arrives: the first chunk must come before the client finished sending.
        let ended = false;
        request.on('end', () => { ended = true; });
        await new Promise<void>((resolve) => {
          request.once('data', () => { seen.firstChunkBeforeEnd = !ended; });
          request.on('data', (chunk: Buffer) => { seen.bytes += chunk.length; });
          request.on('end', resolve);
        });
        response.writeHead(200, { 'content-type': 'text/plain' }).end(String(seen.bytes));
        return;
      }
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('first chunk\n');
      await new Promise<void>((resolve) => { finishAnswer = resolve; });
      response.end('last chunk\n');
    },
  });
  server = await serveApp(app, '127.0.0.1', 0);
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });

describe('the front door and Next.js', () => {
  it('streams a request body to the dashboard as it arrives', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/upload', headers: { host: `127.0.0.1:${port}`, 'transfer-encoding': 'chunked' } }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
        response.on('end', () => resolve(text));
      });
      request.on('error', reject);
      request.write(Buffer.alloc(64 * 1024, 1));
      // The rest follows only after the dashboard saw the first part.
      setTimeout(() => { request.end(Buffer.alloc(3 * 1024 * 1024, 2)); }, 100);
    });
    expect(seen.firstChunkBeforeEnd).toBe(true);
    expect(answer).toBe(String(64 * 1024 + 3 * 1024 * 1024));
  });

  it('streams the dashboard\'s answer: the first chunk arrives while the rest is still being written', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/dora`);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('first chunk\n');
    finishAnswer();
    let rest = '';
    for (let part = await reader.read(); !part.done; part = await reader.read()) rest += new TextDecoder().decode(part.value);
    expect(rest).toBe('last chunk\n');
  });
});
