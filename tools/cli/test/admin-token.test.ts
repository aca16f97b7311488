import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PavedEnv } from '@paved/schemas';
import { describe, expect, it } from 'vitest';
import { adminTokenPath, createAdminToken } from '../src/setup.js';

const envWith = (extra: Record<string, string> = {}) => PavedEnv.parse({ PAVED_DATA_DIR: mkdtempSync(join(tmpdir(), 'paved-token-')), ...extra });

describe('the admin token file', () => {
  it('is written (0600) only when the token was generated', () => {
    const env = envWith();
    const token = createAdminToken(env);
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(adminTokenPath(env), 'utf8')).toBe(token);
    expect(statSync(adminTokenPath(env)).mode & 0o777).toBe(0o600);
  });

  it('is not written when PAVED_ADMIN_TOKEN is set in the environment', () => {
    const env = envWith({ PAVED_ADMIN_TOKEN: 'operator-chosen-token-0123456789' });
    expect(createAdminToken(env)).toBe('operator-chosen-token-0123456789');
    expect(existsSync(adminTokenPath(env))).toBe(false);
  });

  it('a file left by an earlier start with a generated token is removed once the token comes from the environment', () => {
    const env = envWith({ PAVED_ADMIN_TOKEN: 'operator-chosen-token-0123456789' });
    writeFileSync(adminTokenPath(env), 'stale-generated-token', { mode: 0o600 });
    createAdminToken(env);
    expect(existsSync(adminTokenPath(env))).toBe(false);
  });

  it('a new start generates a new token and replaces the file', () => {
    const env = envWith();
    const first = createAdminToken(env);
    const second = createAdminToken(env);
    expect(second).not.toBe(first);
    expect(readFileSync(adminTokenPath(env), 'utf8')).toBe(second);
  });
});
