/**
 * The collect loop every backfill shares (GitHub repositories, GitLab projects): each target in
 * turn, each kind of record within it, progress reported before and after each step, and the API
 * requests each kind cost counted (`requestsByKind`, the "requests per 1,000" figures).
 */
export class BackfillLoop {
  readonly requestsByKind: Record<string, number> = {};

  /** `requests`: the API client's running request count. */
  constructor(private readonly requests: () => number) {}

  /** Runs one step and adds the requests it made to its kind. */
  async measure<T>(kind: string, work: () => Promise<T>): Promise<T> {
    const before = this.requests();
    try {
      return await work();
    } finally {
      this.requestsByKind[kind] = (this.requestsByKind[kind] ?? 0) + this.requests() - before;
    }
  }

  /** Every kind of every target, in order; `onProgress(done, total, target, kind)` with null before the first. */
  async each<T, K extends string>(
    targets: readonly T[], kinds: readonly K[], nameOf: (target: T) => string,
    work: (target: T, kind: K) => Promise<void>, onProgress: (done: number, total: number, target: string | null, kind: K | null) => void,
  ): Promise<void> {
    const total = targets.length * kinds.length;
    let done = 0;
    onProgress(done, total, null, null);
    for (const target of targets) {
      for (const kind of kinds) {
        onProgress(done, total, nameOf(target), kind);
        await this.measure(kind, () => work(target, kind));
        done += 1;
        onProgress(done, total, nameOf(target), kind);
      }
    }
  }
}
