import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '@paved/ingest/log';
import { runTransform, type TransformReport } from './metrics/rebuild.js';
import type { MetricSettings } from './metrics/settings.js';
import type { Warehouse } from './warehouse/client.js';

export interface ScheduleStatus {
  ok: boolean;
  lastRun: string | null;
  lastStatus: 'ok' | 'failed' | 'running' | null;
  lastDetail: string;
  nextRun: string | null;
  runs: number;
  failures: number;
}

/** Runs the transform on a cron schedule (UTC) and on demand; one run at a time. */
export class TransformSchedule {
  readonly status: ScheduleStatus = { ok: true, lastRun: null, lastStatus: null, lastDetail: '', nextRun: null, runs: 0, failures: 0 };
  private task: ScheduledTask | null = null;

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
  ) {
    if (!cron.validate(expression)) throw new Error(`metrics.transformSchedule "${expression}" is not a valid cron expression (e.g. "*/5 * * * *")`);
  }

  start(): void {
    this.task = cron.schedule(this.expression, () => {
      const reason = this.skipReason();
      if (reason) {
        this.log('debug', 'scheduled transform skipped', { reason });
        this.refreshNextRun();
        return;
      }
      void this.runNow().catch(() => {});
    }, { timezone: 'UTC', noOverlap: true, name: 'paved-transform' });
    this.refreshNextRun();
  }

  async runNow(): Promise<TransformReport> {
    this.status.lastStatus = 'running';
    this.status.lastRun = new Date().toISOString();
    this.status.runs += 1;
    try {
      const report = await runTransform(this.warehouse, this.settings);
      this.status.lastStatus = 'ok';
      this.status.ok = true;
      this.status.lastDetail = `${report.totalMs} ms (${report.steps.map((s) => `${s.label} ${s.ms} ms`).join(', ')})`;
      this.log('info', 'transform finished', { ms: report.totalMs, steps: report.steps });
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

  private refreshNextRun(): void {
    const next = this.task?.getNextRun();
    this.status.nextRun = next ? next.toISOString() : null;
  }

  async stop(): Promise<void> {
    await this.task?.stop();
    await this.task?.destroy();
    this.task = null;
  }
}
