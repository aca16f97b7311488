import type { Bus } from '../bus/bus.js';
import type { Delivery, NormaliseContext } from '../delivery.js';
import { receiveDelivery } from '../receive.js';
import { completedPushDelivery, fetchGitlabCompare, truncatedPush, type GitlabApiOptions } from './compare.js';

/**
 * Completes GitLab pushes that listed only their newest 20 commits, after the webhook was
 * acknowledged (GitLab waits for no API call): the compare API's commits go through the ingestion
 * path as their own delivery. One push at a time per project and at most `maxInFlight` at once; a
 * failure is logged and leaves the push flagged on Data health (the truncation count then exceeds
 * the completion count).
 */
export class GitlabPushCompletion {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly projects = new Set<string>();
  readonly stats = { completed: 0, failed: 0, skipped: 0 };

  constructor(
    private readonly api: GitlabApiOptions,
    private readonly bus: Bus,
    private readonly context: NormaliseContext,
    private readonly log: (entry: Record<string, unknown>) => void = () => {},
    private readonly maxInFlight = 4,
  ) {}

  /** Starts completing the delivery when it is a truncated push; returns at once. */
  complete(delivery: Delivery): void {
    const push = truncatedPush(delivery);
    if (!push) return;
    if (this.inFlight.size >= this.maxInFlight || this.projects.has(push.project)) {
      this.stats.skipped += 1;
      this.log({ level: 'warn', msg: 'GitLab push not completed: too many completions running; it stays flagged on Data health', delivery_id: delivery.deliveryId, project: push.project });
      return;
    }
    this.projects.add(push.project);
    const task = this.run(delivery, push).finally(() => {
      this.inFlight.delete(task);
      this.projects.delete(push.project);
    });
    this.inFlight.add(task);
  }

  /** Resolves when every completion started so far has finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private async run(delivery: Delivery, push: { project: string; before: string; after: string }): Promise<void> {
    try {
      const compare = await fetchGitlabCompare(this.api, push.project, push.before, push.after);
      const completed = completedPushDelivery(delivery, compare, new Date().toISOString());
      await receiveDelivery(completed, JSON.stringify(completed.payload), this.bus, this.context);
      this.stats.completed += 1;
    } catch (error) {
      this.stats.failed += 1;
      this.log({
        level: 'warn', msg: 'GitLab push could not be completed through the compare API; it stays flagged on Data health',
        delivery_id: delivery.deliveryId, project: push.project, error: (error as Error).message,
      });
    }
  }
}
