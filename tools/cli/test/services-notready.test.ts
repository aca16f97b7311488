import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { freePort } from '../../../scripts/loopback.js';

const CLI = join(import.meta.dirname, '..', 'bin', 'paved.mjs');
const children: ChildProcess[] = [];
afterAll(() => children.forEach((child) => child.kill('SIGKILL')));

async function readyz(command: string, port: number, unreachable: number): Promise<{ status: number; body: { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] } }> {
  const child = spawn(process.execPath, [CLI, command, '--port', String(port), '--host', '127.0.0.1'], {
    env: { ...process.env, CLICKHOUSE_URL: `http://127.0.0.1:${unreachable}`, PAVED_CONFIG: '', KAFKA_BROKERS: '' },
    stdio: 'ignore',
  });
  children.push(child);
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      const alive = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (alive.ok) {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`);
        return { status: response.status, body: (await response.json()) as never };
      }
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`${command} did not start`);
}

describe('services against an unreachable ClickHouse server', () => {
  it('paved transform starts, is alive, and reports not-ready with the reason', async () => {
    const { status, body } = await readyz('transform', await freePort(), await freePort());
    expect(status).toBe(503);
    const warehouse = body.checks.find((c) => c.name === 'warehouse')!;
    expect(warehouse.ok).toBe(false);
    expect(warehouse.detail).toMatch(/refused the connection.*CLICKHOUSE_URL/);
  }, 120_000);

  it('paved dashboard starts, is alive, and reports not-ready with the reason', async () => {
    const { status, body } = await readyz('dashboard', await freePort(), await freePort());
    expect(status).toBe(503);
    expect(body.checks[0]).toMatchObject({ name: 'warehouse', ok: false });
    expect(body.checks[0]!.detail).toMatch(/refused the connection/);
  }, 120_000);
});
