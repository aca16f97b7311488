import type { Bus } from '@paved/ingest';
import type { PavedConfig, PavedEnv } from '@paved/schemas';
import { providedServices, provideServices } from '@paved/services';
import type { ConnectJobs } from './connect/github.js';
import type { Warehouse } from '@paved/warehouse';
import type { DigestScheduler } from '@paved/insights';

/** What a running Paved process shares with the dashboard it serves (same process, other module graph). */
export interface PavedRuntime {
  warehouse: Warehouse;
  /** The bus of the process, when it has one (admin re-drive of dead letters publishes onto it). */
  bus?: Bus;
  config: PavedConfig;
  env: PavedEnv;
  startedAt: string;
  demo: DemoState | null;
  health: () => Promise<HealthReport>;
  /** Runs the transform now (admin action). */
  runTransform: () => Promise<unknown>;
  /** Connecting sources from the Settings page (`paved start`: it has the bus the backfill publishes on). */
  connections?: ConnectJobs;
  /** Whether the dashboard requires sign-in (auth.oidc set). */
  authRequired: boolean;
  /** Opens sign-in session cookies (see runtime/session.ts); set when authRequired. */
  sessionKey?: Uint8Array;
  /** The admin token this process accepts as `Authorization: Bearer` (generated or PAVED_ADMIN_TOKEN). */
  adminToken?: string | null;
  /** The digest scheduler, in processes that send digests (`paved start`): POST /api/admin/digest uses it. */
  digests?: DigestScheduler;
}

/** The demo organisation of `paved start` (also /api/health's `demo`). */
export interface DemoState {
  loaded: boolean;
  loading: boolean;
  /** Deliveries sent through ingestion so far, 0 to 1. */
  progress: number;
  message: string;
  /** While loading: deliveries sent so far and expected in all. */
  deliveries?: number;
  expectedDeliveries?: number;
  /** While loading: the history is in up to this instant (deliveries go in oldest first). */
  historyUntil?: string | null;
  /** While loading: transforms run on the part loaded so far (numbers appear before the end). */
  transformsDuringLoad?: number;
  /**
   * A transform that started after the load finished has succeeded: the metrics cover the whole demo
   * organisation. `loaded` turns true first (the transform follows it); wait on this one for numbers.
   */
  metricsReady: boolean;
}

export interface HealthReport {
  ok: boolean;
  warehouse: { ok: boolean; mode: string; detail: string };
  bus: { ok: boolean; kind: string; detail: string; lag: number | null };
  schedule: { ok: boolean; lastRun: string | null; lastStatus: string | null; nextRun: string | null; detail: string };
  demo?: PavedRuntime['demo'];
}

/**
 * Hands the runtime to the dashboard this process serves. Next.js compiles the dashboard into a module graph
 * of its own; @paved/services is the one plain module both graphs load from Node's module cache.
 */
export function registerRuntime(runtime: PavedRuntime): void {
  // Pages and API calls ask for the same scopes again and again: repeats come from memory until a
  // table they read is written (exact in embedded mode; against a server other processes write, so
  // entries also expire after 2 s). See warehouse/read-cache.ts.
  if (!runtime.warehouse.readCache) runtime.warehouse.enableReadCache({ maxAgeMs: runtime.warehouse.mode === 'embedded' ? 300_000 : 2_000, maxEntries: 300, maxRows: 5_000 });
  provideServices(runtime);
}

export function currentRuntime(): PavedRuntime | null {
  return providedServices() as PavedRuntime | null;
}
