import type { Logger } from '@paved/ingest';
import cron from 'node-cron';
import { type ChangeSummary, changesOfRows, emptyChanges, hasChanges, type IncrementReport, mergeChanges, runIncrement } from './metrics/increment.js';
import { runTransform, type TransformReport } from './metrics/rebuild.js';
import type { MetricSettings } from './metrics/settings.js';
import { type ScheduledJob, Scheduler } from './scheduler.js';
import type { TableRows } from '@paved/pipeline';
import type { Warehouse } from '@paved/warehouse';

export interface ScheduleStatus {
  ok: boolean;
  lastRun: string | null;
  lastStatus: 'ok' | 'failed' | 'running' | null;
  lastDetail: string;
  nextRun: string | null;
  runs: number;
  failures: number;
}

export interface FreshnessOptions {
  /**
   * The sink reports what each batch landed (`noteLanded`): increments follow the data and the cron
   * schedule only applies what is still pending. Without it, every scheduled run is a full rebuild.
   */
  eventDriven?: boolean;
  /** A batch waits this long for more before its increment runs, so a burst costs one run (default 500 ms). */
  debounceMs?: number;
  /** …but never longer than this after the first pending batch, even under steady load (default 2,000 ms). */
  maxDelayMs?: number;
  /** See IncrementOptions.maxServiceShare. */
  maxServiceShare?: number;
  /**
   * The process's scheduler (scheduler.ts), shared with the digests: the cron tick is its job
   * `transform`, and it decides leadership (only the leader runs the tick or an increment). Unset:
   * a scheduler of this schedule's own (tests, benchmarks, one process).
   */
  scheduler?: Scheduler;
}

export interface FreshnessStatus {
  increments: number;
  fullRebuilds: number;
  /** Rows landed but not yet in the derived tables. */
  pendingRows: number;
  lastIncrementAt: string | null;
  lastIncrementMs: number | null;
  /** Why the last run that could have been an increment was a full rebuild. */
  lastFullReason: string | null;
}

export type FreshnessRun = { kind: 'nothing_pending' } | { kind: 'skipped'; reason: string } | IncrementReport | ({ kind: 'full' } & TransformReport);

/**
 * Runs the transform on a cron schedule (UTC, the scheduler's job `transform`) and on demand, and
 * (event-driven) an increment shortly after each landed batch; one run at a time.
 */
export class TransformSchedule {
  readonly status: ScheduleStatus = { ok: true, lastRun: null, lastStatus: null, lastDetail: '', nextRun: null, runs: 0, failures: 0 };
  readonly freshness: FreshnessStatus = { increments: 0, fullRebuilds: 0, pendingRows: 0, lastIncrementAt: null, lastIncrementMs: null, lastFullReason: null };
  private job: ScheduledJob | null = null;
  private readonly scheduler: Scheduler;
  /** The scheduler is this schedule's own (not passed in): start and stop start and stop it. */
  private readonly ownScheduler: boolean;
  private pending: ChangeSummary = emptyChanges();
  private firstPendingAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  /**
   * `skipReason` is asked before every scheduled run: a non-null answer (e.g. "another replica is
   * the leader", "warehouse not ready") skips that run without counting it as a failure.
   */
  constructor(
    private readonly warehouse: Warehouse,
    private readonly settings: MetricSettings,
    private readonly expression: string,
    private readonly log: Logger,
    private readonly skipReason: () => string | null = () => null,
    private readonly options: FreshnessOptions = {},
  ) {
    if (!cron.validate(expression)) throw new Error(`metrics.transformSchedule "${expression}" is not a valid cron expression (e.g. "*/5 * * * *")`);
    this.ownScheduler = !options.scheduler;
    this.scheduler = options.scheduler ?? new Scheduler({ log });
  }

  start(): void {
    this.job = this.scheduler.register({
      name: 'transform',
      cron: this.expression,
      timezone: 'UTC',
      skipReason: this.skipReason,
      logSkips: 'debug',
      afterTick: () => this.refreshNextRun(),
      // Event-driven, the data schedules its own increments: the tick only applies what is pending.
      // A failed run is logged and counted in `status` by runNow and runIncrementNow themselves.
      run: () => (this.options.eventDriven ? this.runIncrementNow() : this.runNow()).catch(() => {}),
    });
    if (this.ownScheduler) this.scheduler.start();
    this.refreshNextRun();
  }

  /** For the sink's `onLanded`: what a landed batch touched becomes part of the next increment. */
  noteLanded(rows: TableRows): void {
    this.noteChanges(changesOfRows(rows));
  }

  /** Adds changes to the next increment and schedules it (debounced). */
  noteChanges(changes: ChangeSummary): void {
    mergeChanges(this.pending, changes);
    this.freshness.pendingRows = this.pending.rows;
    this.scheduleIncrement();
  }

  /**
   * Runs an increment soon: `debounceMs` after the latest batch, at most `maxDelayMs` after the
   * first pending one. Nothing happens when nothing is pending.
   */
  scheduleIncrement(): void {
    if (this.stopped || !hasChanges(this.pending)) return;
    const now = Date.now();
    this.firstPendingAt ??= now;
    const wait = Math.max(0, Math.min(this.options.debounceMs ?? 500, this.firstPendingAt + (this.options.maxDelayMs ?? 2_000) - now));
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runScheduledIncrement().catch(() => {});
    }, wait);
  }

  /** A timer's or the cron's increment: skipped (changes kept pending) while `skipReason` says so. */
  private async runScheduledIncrement(): Promise<FreshnessRun> {
    const reason = this.scheduler.skipReason() ?? this.skipReason();
    if (reason) return { kind: 'skipped', reason };
    return this.runIncrementNow();
  }

  /**
   * Applies what landed so far, now: an increment, or the full rebuild when one cannot be bounded
   * (catalog or mapping changed, definitions changed, most services touched). Runs after any
   * transform in flight; batches landing meanwhile wait for the next run.
   */
  async runIncrementNow(): Promise<FreshnessRun> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const changes = this.pending;
    this.pending = emptyChanges();
    this.firstPendingAt = null;
    this.freshness.pendingRows = 0;
    if (!hasChanges(changes)) return { kind: 'nothing_pending' };
    try {
      const report = await runIncrement(this.warehouse, this.settings, changes, { maxServiceShare: this.options.maxServiceShare });
      if (report.kind === 'full_needed') {
        this.freshness.lastFullReason = report.reason;
        this.log('info', 'full rebuild instead of an increment', { reason: report.reason, rows: changes.rows });
        return { kind: 'full', ...await this.runNow() };
      }
      this.freshness.increments += 1;
      this.freshness.lastIncrementAt = new Date().toISOString();
      this.freshness.lastIncrementMs = report.ms;
      this.log('debug', 'increment applied', { ms: report.ms, rows: report.rows, services: report.services, steps: report.steps });
      this.refreshReads();
      return report;
    } catch (error) {
      // A failed increment may have swapped some tables and not others: only a full rebuild is sure to repair that.
      mergeChanges(this.pending, { ...emptyChanges(), fullReason: `an increment failed: ${(error as Error).message.split('\n')[0]}`, rows: changes.rows });
      this.log('error', 'increment failed; the next run is a full rebuild', { error: (error as Error).message.split('\n')[0] });
      throw error;
    } finally {
      this.scheduleIncrement();
    }
  }

  /** The full rebuild: every derived table from all history. */
  async runNow(): Promise<TransformReport> {
    // Everything landed so far is in the entity tables the rebuild reads.
    this.pending = emptyChanges();
    this.firstPendingAt = null;
    this.freshness.pendingRows = 0;
    this.freshness.fullRebuilds += 1;
    this.status.lastStatus = 'running';
    this.status.lastRun = new Date().toISOString();
    this.status.runs += 1;
    try {
      const report = await runTransform(this.warehouse, this.settings);
      this.status.lastStatus = 'ok';
      this.status.ok = true;
      this.status.lastDetail = `${report.totalMs} ms (${report.steps.map((s) => `${s.label} ${s.ms} ms`).join(', ')})`;
      this.log('info', 'transform finished', { ms: report.totalMs, steps: report.steps });
      this.refreshReads();
      return report;
    } catch (error) {
      this.status.lastStatus = 'failed';
      this.status.ok = false;
      this.status.failures += 1;
      this.status.lastDetail = (error as Error).message.split('\n')[0] ?? 'failed';
      this.log('error', 'transform failed', { error: this.status.lastDetail });
      throw error;
    } finally {
      this.refreshNextRun();
    }
  }

  /**
   * In a process that also serves the pages (`paved start`), reads again in the background what was
   * being read before this run made it stale (ReadCache.refresh), so the next view of those scopes is
   * not the first read after a transform. Only once the data is quiet: while batches are landing the
   * next increment would make the reads stale again, so the refresh stops as soon as one is pending
   * (during the demo load, refreshing after every increment raised the server's peak RSS from 1.40 to
   * 1.63 GB and slowed the load by a third).
   */
  private refreshReads(): void {
    const cache = this.warehouse.readCache;
    if (!cache || hasChanges(this.pending)) return;
    void cache.refresh({ stop: () => hasChanges(this.pending) }).then((n) => { if (n) this.log('debug', 'cached reads refreshed after the transform', { reads: n }); }, () => {});
  }

  private refreshNextRun(): void {
    const next = this.job?.nextRun();
    this.status.nextRun = next ? next.toISOString() : null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.ownScheduler) await this.scheduler.stop();
    else await this.scheduler.unregister('transform');
    this.job = null;
  }
}
