import type { Logger } from '@paved/ingest';
import cron, { type ScheduledTask } from 'node-cron';

/**
 * Who may run scheduled jobs right now. Several processes can share one warehouse and one bus
 * (`paved transform` replicas); only the leader runs a job at a given tick. `electLeader`
 * (@paved/ingest: a Kafka consumer group on a one-partition lock topic, the coordinator assigning
 * it to exactly one member) is one; a process alone (`paved start`) needs none.
 */
export interface Leadership {
  isLeader(): boolean;
}

export interface SchedulerOptions {
  log: Logger;
  /** Asked at every tick of every job before the job's own reason (e.g. "warehouse not ready"): non-null skips the tick. */
  skipReason?: () => string | null;
}

export interface JobDefinition {
  /** Unique per scheduler: logs, node-cron's task name (`paved-<name>`). */
  name: string;
  /** A cron expression (5 fields, or 6 with seconds). */
  cron: string;
  /** IANA time zone the expression is read in (default UTC). */
  timezone?: string;
  /** The job's own reason to skip a tick (asked after leadership and the scheduler's reason). */
  skipReason?: () => string | null;
  /** Level skipped ticks are logged at (default `debug`; `false`: not logged, e.g. a minute sweep). */
  logSkips?: 'debug' | 'info' | false;
  /** Called after every tick, run or skipped (a job refreshing its status's next run). */
  afterTick?: () => void;
  run: () => Promise<unknown>;
}

export interface JobStatus {
  name: string;
  cron: string;
  timezone: string;
  ticks: number;
  runs: number;
  skipped: number;
  failures: number;
  lastSkipReason: string | null;
  nextRun: string | null;
}

/** A registered job: its next firing time and whether a moment is one of its firing times. */
export interface ScheduledJob {
  readonly name: string;
  nextRun(): Date | null;
  /** Whether the expression fires in the minute of `date` (in the job's time zone). */
  matches(date: Date): boolean;
  status(): JobStatus;
  /** One tick now, with the same leader and skip checks as a scheduled one (tests, catch-up). */
  tick(): Promise<'ran' | 'skipped' | 'failed'>;
}

/** What a tick is skipped for when this process is not the leader. */
export const NOT_LEADER = 'another replica is the leader';

/**
 * The one scheduler of a Paved process: every periodic job (the transform schedule, the weekly
 * digests and their retry sweep) registers here, and the entry point creates it once and passes
 * it in (no global). node-cron fires the ticks (`noOverlap`: a tick while the job still runs is
 * dropped); each tick first asks the leadership, then the scheduler's and the job's skip reasons.
 * A job's own failure is logged and counted; it never stops the schedule.
 */
export class Scheduler {
  private readonly jobs = new Map<string, { definition: JobDefinition; task: ScheduledTask; status: JobStatus }>();
  private leadership: Leadership | null = null;
  private started = false;

  constructor(private readonly options: SchedulerOptions) {}

  /** From now on only ticks where `leadership.isLeader()` run (null: this process alone, every tick runs). */
  setLeadership(leadership: Leadership | null): void {
    this.leadership = leadership;
  }

  /** Whether this process may run jobs now (no leadership: yes). */
  isLeader(): boolean {
    return this.leadership?.isLeader() ?? true;
  }

  /** Why a tick would be skipped now, job aside: not the leader, or the scheduler's own reason; null when it would run. */
  skipReason(): string | null {
    if (!this.isLeader()) return NOT_LEADER;
    return this.options.skipReason?.() ?? null;
  }

  /** Adds a job (started at once when the scheduler runs). An invalid expression throws; callers check theirs first to name the setting. */
  register(definition: JobDefinition): ScheduledJob {
    if (this.jobs.has(definition.name)) throw new Error(`scheduled job "${definition.name}" is registered twice`);
    if (!cron.validate(definition.cron)) throw new Error(`scheduled job "${definition.name}": "${definition.cron}" is not a valid cron expression`);
    const timezone = definition.timezone ?? 'UTC';
    const status: JobStatus = { name: definition.name, cron: definition.cron, timezone, ticks: 0, runs: 0, skipped: 0, failures: 0, lastSkipReason: null, nextRun: null };
    const tick = () => this.tick(definition, status);
    const task = cron.createTask(definition.cron, () => tick(), { timezone, noOverlap: true, name: `paved-${definition.name}` });
    this.jobs.set(definition.name, { definition, task, status });
    if (this.started) void task.start();
    return {
      name: definition.name,
      nextRun: () => (this.started ? task.getNextRun() : null),
      matches: (date) => task.match(date),
      status: () => ({ ...status, nextRun: this.started ? task.getNextRun()?.toISOString() ?? null : null }),
      tick,
    };
  }

  private async tick(definition: JobDefinition, status: JobStatus): Promise<'ran' | 'skipped' | 'failed'> {
    status.ticks += 1;
    try {
      const reason = this.skipReason() ?? definition.skipReason?.() ?? null;
      if (reason) {
        status.skipped += 1;
        status.lastSkipReason = reason;
        if (definition.logSkips !== false) this.options.log(definition.logSkips ?? 'debug', `scheduled ${definition.name} skipped`, { reason });
        return 'skipped';
      }
      status.runs += 1;
      try {
        await definition.run();
        return 'ran';
      } catch (error) {
        status.failures += 1;
        this.options.log('error', `scheduled ${definition.name} failed`, { error: (error as Error).message.split('\n')[0] });
        return 'failed';
      }
    } finally {
      definition.afterTick?.();
    }
  }

  /** Every job's counts and next run (for /readyz and logs). */
  status(): JobStatus[] {
    return [...this.jobs.values()].map(({ task, status }) => ({ ...status, nextRun: this.started ? task.getNextRun()?.toISOString() ?? null : null }));
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const { task } of this.jobs.values()) void task.start();
  }

  /** Stops every job's ticks and forgets the jobs (a tick already running finishes on its own). */
  async stop(): Promise<void> {
    this.started = false;
    for (const { task } of this.jobs.values()) {
      await task.stop();
      await task.destroy();
    }
    this.jobs.clear();
  }

  /** Stops one job's ticks (a component stopping before the process does). */
  async unregister(name: string): Promise<void> {
    const job = this.jobs.get(name);
    if (!job) return;
    this.jobs.delete(name);
    await job.task.stop();
    await job.task.destroy();
  }
}
