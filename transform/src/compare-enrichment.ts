import { type Bus, compareDelivery, fetchCompare, type GithubApi, type Logger, type NormaliseContext, receiveDelivery } from '@paved/ingest';
import { z } from 'zod';
import type { Warehouse } from '@paved/warehouse';
import type { Scheduler } from './scheduler.js';

/*
 * Compare enrichment for live deployments (docs/metrics.md, "Change set"): every successful
 * production deployment GitHub reports (webhook or backfill) gets GitHub's compare between the
 * previous successful production deployment of the same service and itself, the change set's
 * source of truth, so a live organisation does not rely on the push chain forever.
 *
 * The warehouse is the queue: each tick asks which recent pairs have no stored compare yet, so the
 * job resumes after a restart and fetching a pair twice stores one row (compares is keyed by repo,
 * base and head). It reuses backfill's compare code and its `compare` delivery.
 */

export interface CompareEnrichmentOptions {
  warehouse: Warehouse;
  api: GithubApi;
  bus: Bus;
  context: NormaliseContext;
  /** `metrics.productionPattern` (case-insensitive). */
  productionPattern: string;
  log?: Logger;
  /** How often to look for new deployments (default 20 s: a compare is stored within a minute). */
  intervalMs?: number;
  /** Deployments older than this are left to `paved backfill github` (default 7 days). */
  lookbackDays?: number;
  /** Compares fetched per tick at most (default 50); the rest wait for the next tick. */
  maxPerTick?: number;
  /** Below this many remaining requests of the rate limit, the job waits for the next tick (default 100). */
  minRateLimitRemaining?: number;
  now?: () => Date;
  /** Asked before every tick: a reason (e.g. "warehouse not ready") skips it. */
  skipReason?: () => string | null;
  /**
   * The process's scheduler: the tick is its job `compare-enrichment` (every `intervalMs`, which
   * must divide a minute into whole seconds), run by the leader only. Unset: a timer of its own (tests).
   */
  scheduler?: Scheduler;
}

export interface CompareEnrichmentStatus {
  ticks: number;
  fetched: number;
  /** Pairs GitHub could not compare (a sha it no longer knows): not asked again by this process. */
  unknown: number;
  /** Ticks that waited because the rate limit was nearly spent. */
  rateLimitedTicks: number;
  lastError: string | null;
}

const Pair = z.object({ repo: z.string(), base: z.string(), head: z.string(), deployment_id: z.string() });
type Pair = z.infer<typeof Pair>;

/**
 * Successful production GitHub deployments of the last `lookbackDays` and, per deployment, the sha of
 * the previous successful production deployment of the same service as the sender named it (repo,
 * `payload.service`, `payload.path`), without a stored compare between the two.
 */
const PENDING_PAIRS = `
WITH
shipped AS (
    SELECT s.id AS id, any(s.repo) AS d_repo, ifNull(any(s.service), '') AS d_service, replaceRegexpAll(ifNull(any(s.path), ''), '^/+|/+$', '') AS d_path,
           lower(any(s.environment)) AS d_environment, any(assumeNotNull(s.sha)) AS d_sha, min(s.status_at) AS success_at
    FROM {{db}}.deployment_statuses AS s
    WHERE s.status = 'success' AND s.sha IS NOT NULL AND s.source_system = 'github_deployments' AND s.repo NOT IN ('', 'unknown')
      AND match(s.environment, concat('(?i)', {productionPattern:String}))
    GROUP BY s.id
),
recent AS (SELECT DISTINCT d_repo, d_service, d_path, d_environment FROM shipped WHERE success_at >= {since:DateTime64(3, 'UTC')}),
paired AS (
    SELECT id, d_repo AS repo, d_sha AS sha, success_at,
           lagInFrame(d_sha) OVER (PARTITION BY d_repo, d_service, d_path, d_environment ORDER BY success_at, id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS previous_sha
    FROM shipped
    WHERE (d_repo, d_service, d_path, d_environment) IN (SELECT d_repo, d_service, d_path, d_environment FROM recent)
)
SELECT p.repo AS repo, p.previous_sha AS base, p.sha AS head, p.id AS deployment_id
FROM paired AS p
LEFT ANTI JOIN (SELECT repo, base, head FROM {{db}}.compares) AS c ON c.repo = p.repo AND c.base = p.previous_sha AND c.head = p.sha
WHERE p.success_at >= {since:DateTime64(3, 'UTC')} AND p.previous_sha != '' AND p.previous_sha != p.sha
ORDER BY p.success_at, p.id
LIMIT {limit:UInt32}
`;

export class CompareEnrichment {
  readonly status: CompareEnrichmentStatus = { ticks: 0, fetched: 0, unknown: 0, rateLimitedTicks: 0, lastError: null };
  /** Pairs this process sent or gave up on: the sink may not have stored a sent one by the next tick. */
  private readonly done = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  /** The scheduler its job is registered with, between start and stop. */
  private registered: Scheduler | null = null;
  private running: Promise<number> | null = null;
  private readonly log: Logger;

  constructor(private readonly options: CompareEnrichmentOptions) {
    this.log = options.log ?? (() => {});
  }

  start(): void {
    if (this.timer || this.registered) return;
    const { scheduler } = this.options;
    if (scheduler) {
      const seconds = Math.round((this.options.intervalMs ?? 20_000) / 1000);
      if (seconds < 1 || 60 % seconds !== 0) throw new Error(`compare enrichment every ${seconds} s: with a scheduler the interval must divide a minute`);
      scheduler.register({ name: 'compare-enrichment', cron: `*/${seconds} * * * * *`, logSkips: 'debug', run: () => this.tick() });
      this.registered = scheduler;
      return;
    }
    this.timer = setInterval(() => void this.tick().catch(() => {}), this.options.intervalMs ?? 20_000);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.registered?.unregister('compare-enrichment');
    this.registered = null;
    await this.running?.catch(() => {});
  }

  /** One pass: fetches the compares still missing (at most `maxPerTick`); returns how many it stored. Ticks never overlap. */
  tick(): Promise<number> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<number> {
    const skip = this.options.skipReason?.();
    if (skip) {
      this.log('debug', 'compare enrichment skipped', { reason: skip });
      return 0;
    }
    this.status.ticks += 1;
    const { api, warehouse } = this.options;
    const floor = this.options.minRateLimitRemaining ?? 100;
    if (api.stats.rateLimitRemaining !== null && api.stats.rateLimitRemaining < floor) {
      this.status.rateLimitedTicks += 1;
      this.log('debug', 'compare enrichment waits: GitHub rate limit nearly spent', { remaining: api.stats.rateLimitRemaining });
      return 0;
    }
    const now = this.options.now?.() ?? new Date();
    const since = new Date(now.getTime() - (this.options.lookbackDays ?? 7) * 24 * 3_600_000).toISOString().replace('T', ' ').replace('Z', '');
    const maxPerTick = this.options.maxPerTick ?? 50;
    let pairs: Pair[];
    try {
      pairs = await warehouse.query(PENDING_PAIRS, { productionPattern: this.options.productionPattern, since, limit: maxPerTick + this.done.size }, Pair);
    } catch (error) {
      this.status.lastError = (error as Error).message;
      this.log('warn', 'compare enrichment could not read the warehouse', { error: this.status.lastError });
      return 0;
    }
    // A pair no longer pending was stored (or left the lookback): forget it, so the set stays small.
    if (pairs.length < maxPerTick + this.done.size) {
      const pending = new Set(pairs.map(keyOf));
      for (const key of this.done) if (!pending.has(key)) this.done.delete(key);
    }
    let stored = 0;
    for (const pair of pairs.filter((p) => !this.done.has(keyOf(p))).slice(0, maxPerTick)) {
      if (api.stats.rateLimitRemaining !== null && api.stats.rateLimitRemaining < floor) {
        this.status.rateLimitedTicks += 1;
        break;
      }
      try {
        const answer = await fetchCompare(api, pair.repo, pair.base, pair.head, (path, problem) => this.log('warn', 'unexpected GitHub answer', { path, problem }));
        if (!answer) {
          this.status.unknown += 1;
          this.log('info', 'GitHub could not compare a deployment with the previous one; its change set comes from the push chain', { repo: pair.repo, base: pair.base, head: pair.head, deployment_id: pair.deployment_id });
        } else {
          const fetchedAt = (this.options.now?.() ?? new Date()).toISOString();
          const delivery = compareDelivery({ full_name: pair.repo }, pair.base, pair.head, answer, fetchedAt);
          await receiveDelivery(delivery, JSON.stringify(delivery.payload), this.options.bus, this.options.context);
          this.status.fetched += 1;
          stored += 1;
        }
        this.done.add(keyOf(pair));
      } catch (error) {
        // A rate limit GitHub would make us wait too long for, or a network failure: the pair stays pending.
        this.status.lastError = (error as Error).message;
        this.log('warn', 'compare enrichment stopped for this tick', { repo: pair.repo, error: this.status.lastError });
        break;
      }
    }
    if (stored) this.log('info', 'compares fetched for new production deployments', { stored });
    return stored;
  }
}

const keyOf = (pair: Pair): string => `${pair.repo}:${pair.base}...${pair.head}`;
