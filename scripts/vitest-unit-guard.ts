// Setup file of the `unit` test project (`pnpm test:unit`): a unit test runs in memory. Opening the
// embedded warehouse, listening on a socket, connecting anywhere or starting a process fails the test with
// the reason, so the fast project stays fast and honest. vitest.config.ts puts a test file in `unit` when
// nothing in it names a warehouse, server, stand-in, browser or process; a file this guard stops belongs
// in `integration` (mention what it needs, e.g. its harness, and the classifier moves it).
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { vi } from 'vitest';

function refuse(what: string): never {
  throw new Error(`unit test ${what}: unit tests run in memory (scripts/vitest-unit-guard.ts); this file belongs in the integration project`);
}

net.Server.prototype.listen = function listen(): never {
  refuse('listens on a socket');
} as typeof net.Server.prototype.listen;
net.Socket.prototype.connect = function connect(): never {
  refuse('opens a network connection');
} as typeof net.Socket.prototype.connect;
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const) {
  (childProcess as unknown as Record<string, unknown>)[name] = () => refuse(`starts a process (${name})`);
}
syncBuiltinESMExports();

vi.mock('chdb', () => refuse('opens the embedded warehouse (chdb)'));
vi.mock('chdb/connection', () => refuse('opens the embedded warehouse (chdb)'));
