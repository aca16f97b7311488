// `paved digest` as a person runs it: the embedded warehouse in a fresh directory, default config
// (digests go to the archive only).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Warehouse } from '@paved/warehouse';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const CLI = join(import.meta.dirname, '..', 'bin', 'paved.mjs');
const dir = mkdtempSync(join(tmpdir(), 'paved-digest-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function paved(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, PAVED_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn' };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd: dir, env, timeout: 120_000 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.code ?? 1 };
  }
}

describe('paved digest', () => {
  it('--dry-run prints Monday\'s message and records nothing; a real run sends once, a second run nothing', async () => {
    const dry = await paved('digest', '--week', '2026-W11', '--org', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('==== 2026-W11 · organisation (dry run: nothing sent, nothing recorded) ====');
    expect(dry.stdout).toContain('  archive  the digests archive · ledger: not sent yet');
    expect(dry.stdout).toContain('Paved weekly digest · 2026-W11 · Organisation');
    expect(dry.stdout).toContain('9–15 Mar 2026 (Monday to Sunday, UTC)');
    expect(dry.stdout).toContain('No failed deployments this week.');

    // Still nothing in the ledger after the dry run.
    expect((await paved('digest', '--week', '2026-W11', '--org', '--dry-run')).stdout).toContain('ledger: not sent yet');

    const send = await paved('digest', '--week', '2026-W11', '--org');
    expect(send.code).toBe(0);
    expect(send.stdout).toMatch(/^2026-W11 {2}organisation +archive +sent +attempt 1 {2}archived$/m);
    const again = await paved('digest', '--week', '2026-W11', '--org');
    expect(again.stdout).toMatch(/archive +skipped +attempt 1 {2}already sent/);

    const warehouse = await Warehouse.open({ dataDir: join(dir, 'data'), command: 'vitest' });
    try {
      const [row] = await warehouse.query(`SELECT (SELECT count() FROM {{db}}.digests FINAL) AS digests, (SELECT count() FROM {{db}}.digest_deliveries FINAL) AS deliveries`, {}, z.object({ digests: z.coerce.number(), deliveries: z.coerce.number() }));
      expect(row).toEqual({ digests: 1, deliveries: 1 });
    } finally {
      await warehouse.close();
    }
  }, 300_000);

  it('names a week that does not exist', async () => {
    const result = await paved('digest', '--week', '2026-W60');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--week: 2026-W60 does not exist');
  }, 60_000);
});
