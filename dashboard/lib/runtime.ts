import 'server-only';
import { currentRuntime, type PavedRuntime } from '@paved/runtime';

/**
 * The warehouse and settings of the Paved process serving this dashboard. `paved start` registers
 * them before Next.js handles a request; `paved dashboard` (a separate service) registers its own.
 */
export function runtime(): PavedRuntime {
  const current = currentRuntime();
  if (!current) throw new Error('Paved is not running in this process: start the dashboard with `pnpm paved start` or `pnpm paved dashboard`.');
  return current;
}
