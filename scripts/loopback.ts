// What tests and benchmarks that run servers on loopback share: a free port and polling until ready.
import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (the OS picks it; the probe server is closed again). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface WaitOptions {
  /** Poll interval (default 500 ms). */
  everyMs?: number;
  /** An error for which waiting stops at once (anything else a probe throws is retried until the timeout). */
  isFatal?: (error: unknown) => boolean;
  /** Appended to the timeout message, e.g. the tail of a child process's output. */
  detail?: () => string;
}

/** Polls `probe` until it returns something other than null; the timeout names what was awaited and the last error. */
export async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number, options: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (error) {
      if (options.isFatal?.(error)) throw error;
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 500));
  }
  const detail = options.detail ? `\n${options.detail()}` : '';
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}${detail}`);
}
