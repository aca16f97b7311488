import 'server-only';
import { describeWarehouseError } from '@paved/warehouse';

export type Loaded<T> = { ok: true; data: T } | { ok: false; message: string };

/**
 * Runs a page's queries and keeps the failure as a one-line reason, so the page can say what
 * failed (Next.js hides server error messages from error.tsx in production).
 */
export async function attempt<T>(what: string, load: () => Promise<T>): Promise<Loaded<T>> {
  try {
    return { ok: true, data: await load() };
  } catch (error) {
    const message = describeWarehouseError(error);
    process.stderr.write(`${JSON.stringify({ level: 'error', time: new Date().toISOString(), msg: 'dashboard load failed', what, error: message })}\n`);
    return { ok: false, message };
  }
}
