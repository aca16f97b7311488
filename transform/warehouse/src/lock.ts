import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * chdb lets one process own a data directory. Paved records who holds it in `paved.lock`
 * so that a second command can say which process holds it and what to do, instead of
 * surfacing the engine's raw lock exception.
 */
const LockFile = z.object({
  pid: z.number().int(),
  command: z.string(),
  startedAt: z.string(),
  /** Loopback admin API of `paved start`, when the holder serves one. */
  adminUrl: z.string().nullable(),
});
export type LockFile = z.infer<typeof LockFile>;

export class WarehouseLockedError extends Error {
  constructor(readonly holder: LockFile, readonly dataDir: string) {
    super(
      `The embedded warehouse in ${dataDir} is in use by \`${holder.command}\` (pid ${holder.pid}, since ${holder.startedAt}). ` +
        (holder.adminUrl
          ? `Commands that support it go through that server (${holder.adminUrl}); for this one, stop that process first (Ctrl-C in its terminal, or kill ${holder.pid}).`
          : `Stop that process first (kill ${holder.pid}), or point this command at another directory with PAVED_DATA_DIR.`),
    );
    this.name = 'WarehouseLockedError';
  }
}

function lockPath(dataDir: string): string {
  return join(dataDir, 'paved.lock');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of the directory, or null (a stale lock of a dead process is ignored). */
export function readWarehouseLock(dataDir: string): LockFile | null {
  try {
    const parsed = LockFile.safeParse(JSON.parse(readFileSync(lockPath(dataDir), 'utf8')));
    if (!parsed.success) return null;
    if (parsed.data.pid === process.pid || !isAlive(parsed.data.pid)) return null;
    return parsed.data;
  } catch {
    return null;
  }
}

/**
 * The data directory holds survey responses and raw payloads: owner-only. The directory is made
 * (or put back to) 0700, so nothing inside is reachable by other users whatever its own mode, and
 * files this process creates from now on are 0600 (umask 077; the embedded engine writes its
 * files in-process, so they follow it).
 */
export function protectDataDir(dataDir: string): void {
  process.umask(0o077);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
}

export function acquireWarehouseLock(dataDir: string, command: string, adminUrl: string | null = null): void {
  const holder = readWarehouseLock(dataDir);
  if (holder) throw new WarehouseLockedError(holder, dataDir);
  protectDataDir(dataDir);
  const lock: LockFile = { pid: process.pid, command, startedAt: new Date().toISOString(), adminUrl };
  writeFileSync(lockPath(dataDir), JSON.stringify(lock), { mode: 0o600 });
}

export function updateWarehouseLock(dataDir: string, adminUrl: string): void {
  try {
    const current = LockFile.parse(JSON.parse(readFileSync(lockPath(dataDir), 'utf8')));
    if (current.pid !== process.pid) return;
    writeFileSync(lockPath(dataDir), JSON.stringify({ ...current, adminUrl }));
  } catch {
    /* no lock of ours to update */
  }
}

export function releaseWarehouseLock(dataDir: string): void {
  try {
    const current = LockFile.parse(JSON.parse(readFileSync(lockPath(dataDir), 'utf8')));
    if (current.pid === process.pid) rmSync(lockPath(dataDir));
  } catch {
    /* already gone */
  }
}
