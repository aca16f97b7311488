import type { Bus } from '@paved/ingest/bus/bus';
import type { PavedConfig, PavedEnv } from '@paved/schemas';
import type { Warehouse } from '../warehouse/client.js';

/** What a running Paved process shares with the dashboard it serves (same process, other module graph). */
export interface PavedRuntime {
  warehouse: Warehouse;
  /** The bus of the process, when it has one (admin re-drive of dead letters publishes onto it). */
  bus?: Bus;
  config: PavedConfig;
  env: PavedEnv;
  startedAt: string;
  demo: { loaded: boolean; loading: boolean; progress: number; message: string } | null;
  health: () => Promise<HealthReport>;
  /** Runs the transform now (admin action). */
  runTransform: () => Promise<unknown>;
  /** Whether the dashboard requires sign-in (auth.oidc set). */
  authRequired: boolean;
  /** Opens sign-in session cookies (see runtime/session.ts); set when authRequired. */
  sessionKey?: Uint8Array;
}

export interface HealthReport {
  ok: boolean;
  warehouse: { ok: boolean; mode: string; detail: string };
  bus: { ok: boolean; kind: string; detail: string; lag: number | null };
  schedule: { ok: boolean; lastRun: string | null; lastStatus: string | null; nextRun: string | null; detail: string };
  demo?: PavedRuntime['demo'];
}

const KEY = Symbol.for('paved.runtime');

/** Registers the runtime on globalThis so Next.js server code bundled separately can reach it. */
export function registerRuntime(runtime: PavedRuntime): void {
  // Pages and API calls ask for the same scopes again and again: repeats come from memory until a
  // table they read is written (exact in embedded mode; against a server other processes write, so
  // entries also expire after 2 s). See warehouse/read-cache.ts.
  if (!runtime.warehouse.readCache) runtime.warehouse.enableReadCache({ maxAgeMs: runtime.warehouse.mode === 'embedded' ? 300_000 : 2_000, maxEntries: 300, maxRows: 5_000 });
  (globalThis as Record<symbol, unknown>)[KEY] = runtime;
}

export function currentRuntime(): PavedRuntime | null {
  return ((globalThis as Record<symbol, unknown>)[KEY] as PavedRuntime | undefined) ?? null;
}
