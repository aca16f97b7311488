import { z } from 'zod';

/**
 * How far a backfill got for one scope (a repository, or an organisation for its repository list)
 * and one kind of object. Listings are read newest first, so a completed walk leaves a watermark
 * (the newest item seen) and the ETag of the first page; a walk in progress leaves where to go on.
 */
export const BackfillCursor = z.object({
  /** Newest item of the last completed walk: an ISO time, or a commit sha for default-branch history. */
  watermark: z.string().nullable().default(null),
  /** ETag of the first page at the last completed walk: the next run sends it as If-None-Match. */
  etag: z.string().nullable().default(null),
  /** A walk that has not finished (a crash, an abort): the next run goes on from `next` instead of starting over. */
  walk: z.object({
    /** URL of the next REST page, or the GraphQL `after` cursor. */
    next: z.string(),
    /** Watermark and ETag to record once the walk is complete. */
    top: z.string().nullable(),
    topEtag: z.string().nullable(),
    /** Where the walk stops: the previous watermark ... */
    stop: z.string().nullable(),
    /** ... or the `--since` time of the run that started it. */
    since: z.string().nullable().default(null),
  }).nullable().default(null),
  /** What a 304 must reuse (the organisation's repository list, a repository's default branch). */
  state: z.record(z.string(), z.unknown()).default({}),
});
export type BackfillCursor = z.infer<typeof BackfillCursor>;

export const emptyCursor = (): BackfillCursor => ({ watermark: null, etag: null, walk: null, state: {} });

export interface CursorKey {
  source: string;
  /** `owner/name` of a repository, or `org:<org>`. */
  scope: string;
  kind: string;
}

/** Where cursors live between runs (the warehouse for `paved backfill`, memory in tests). */
export interface CursorStore {
  load(key: CursorKey): Promise<BackfillCursor>;
  /** Called only after everything fetched before it was accepted by the bus. */
  save(key: CursorKey, cursor: BackfillCursor): Promise<void>;
}

const keyOf = (key: CursorKey) => `${key.source}\u0000${key.scope}\u0000${key.kind}`;

export class MemoryCursorStore implements CursorStore {
  readonly cursors = new Map<string, BackfillCursor>();

  async load(key: CursorKey): Promise<BackfillCursor> {
    const found = this.cursors.get(keyOf(key));
    return found ? structuredClone(found) : emptyCursor();
  }

  async save(key: CursorKey, cursor: BackfillCursor): Promise<void> {
    this.cursors.set(keyOf(key), structuredClone(cursor));
  }
}
