/**
 * A result cache for warehouse reads, keyed by the statement and its parameters, and valid while
 * none of the tables the statement names has been written. Every statement names its tables as
 * `{{db}}.name`, so both sides are known without parsing SQL: a read depends on the tables it names,
 * a write (insert, or a command such as INSERT … SELECT or EXCHANGE TABLES) changes the tables it
 * names. The sink inserting raw events therefore leaves cached metric reads alone; a transform
 * swapping `t_deployment_facts` invalidates exactly the reads of it. (Paved defines no
 * materialized views; one would need its target added to the writes of its source.)
 *
 * Repeated and concurrent reads of the same scope share one query (single flight), then cost a
 * map lookup. In embedded mode every write goes through the one process, so invalidation is exact;
 * against a server other processes write too, so entries also expire after `maxAgeMs`.
 * Statements that read the clock (now(), today()) or name no table of Paved's are never cached.
 *
 * `derived` keeps values computed from such reads the same way (a sample sorted from their rows, for
 * instance): the work done on rows then happens once per data version too, not on every page view.
 *
 * `refresh` reads again, after a transform, what people were reading (refresh-ahead): the entries a
 * write made stale that were used in the last minutes, most recently used first, one at a time. The
 * next page view or API call of those scopes is then a hit instead of the first read after a
 * transform, which in the embedded engine costs tens of milliseconds of planning.
 */

export interface ReadCacheOptions {
  /** Entries older than this are read again (writes by other processes, clock-relative data). */
  maxAgeMs: number;
  /** Least recently used entries beyond this are dropped. */
  maxEntries?: number;
  /** Results with more rows than this are not kept (they would hold memory for little gain). */
  maxRows?: number;
  /**
   * Rows held by all entries together; least recently used entries go beyond it (default 200,000,
   * roughly 100 MB of row objects). Without it, 500 entries of up to 20,000 rows each could hold
   * gigabytes at large scale.
   */
  maxTotalRows?: number;
}

interface Entry {
  at: number;
  /** When it was last asked for (created or hit): what refresh() goes by. */
  usedAt: number;
  /** The tables it read, and how to read it again (refresh). */
  tables: readonly string[];
  load: () => Promise<unknown>;
  sizeOf: (value: unknown) => number | null;
  /** The version of each table read, when the read started. */
  deps: [string, number][];
  /** The rows of a read, or a derived value. */
  value: Promise<unknown>;
  /** Rows (or, for a derived value, rows' worth of memory) once it finished (0 before). */
  size: number;
}

/** What a row of a result holds in memory, roughly, as the budget counts it (200,000 rows ≈ 100 MB). */
const BYTES_PER_ROW = 512;

const CLOCK = /\b(now|now64|today|yesterday|rand|rand64|generateUUIDv4)\s*\(/i;
const TABLE = /\{\{db\}\}\.([A-Za-z_][A-Za-z0-9_]*)/g;

/** The tables a statement names; a table's `_next` / `_local` twins count as the table itself. */
export function tablesOf(statement: string): string[] {
  return [...new Set([...statement.matchAll(TABLE)].map((m) => m[1]!.replace(/(_next)?(_local)?$/, '')))];
}

export class ReadCache {
  private readonly versions = new Map<string, number>();
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxRows: number;
  private readonly maxTotalRows: number;
  /** Rows held by finished entries. */
  private totalRows = 0;
  hits = 0;
  misses = 0;
  /** Entries read again by refresh() (not counted as misses). */
  refreshed = 0;
  private refreshing: Promise<number> | null = null;
  private refreshAgain = false;

  constructor(private readonly options: ReadCacheOptions, private readonly clock: () => number = Date.now) {
    this.maxEntries = options.maxEntries ?? 500;
    this.maxRows = options.maxRows ?? 20_000;
    this.maxTotalRows = options.maxTotalRows ?? 200_000;
  }

  /** Rows held by the cache now. */
  get heldRows(): number {
    return this.totalRows;
  }

  private versionOf(table: string): number {
    return this.versions.get(table) ?? 0;
  }

  /** A write to `tables` finished (or failed part-way): reads of them must run again. */
  written(tables: readonly string[]): void {
    for (const table of tables) this.versions.set(table, this.versionOf(table) + 1);
  }

  /** Every write is in the past for every read: drops everything. */
  clear(): void {
    for (const table of this.versions.keys()) this.versions.set(table, this.versionOf(table) + 1);
    this.entries.clear();
    this.totalRows = 0;
  }

  private fresh(entry: Entry, now: number): boolean {
    return now - entry.at <= this.options.maxAgeMs && entry.deps.every(([table, version]) => this.versionOf(table) === version);
  }

  /** `template` is the statement with `{{db}}` still in it (that is how tables are recognised). */
  async read(template: string, params: Record<string, unknown>, load: () => Promise<unknown[]>): Promise<unknown[]> {
    const tables = tablesOf(template);
    if (tables.length === 0 || CLOCK.test(template)) return load();
    const key = `${template}\u0000${JSON.stringify(params, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`;
    return this.remember(key, tables, load, (rows) => (rows.length > this.maxRows ? null : rows.length));
  }

  /**
   * A value computed from reads of `tables` (`key` names the computation and its inputs), kept until
   * one of them is written or `maxAgeMs` passes, like their rows; `bytes(value)` is what it holds, in
   * the same budget as rows. Concurrent callers share one computation, and every caller gets the
   * same value: treat it as read-only.
   */
  async derived<T>(key: string, tables: readonly string[], bytes: (value: T) => number, compute: () => Promise<T>): Promise<T> {
    if (tables.length === 0) return compute();
    const weight = (value: T) => Math.max(1, Math.ceil(bytes(value) / BYTES_PER_ROW));
    return this.remember(`derived\u0000${key}`, [...new Set(tables)], compute, weight);
  }

  /** The value under `key`, or `load`'s, kept with the size `sizeOf` gives (null: not kept). */
  private async remember<T>(key: string, tables: readonly string[], load: () => Promise<T>, sizeOf: (value: T) => number | null): Promise<T> {
    const now = this.clock();
    const entry = this.entries.get(key);
    if (entry && this.fresh(entry, now)) {
      // Most recently used last: a Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, entry);
      entry.usedAt = now;
      this.hits += 1;
      return entry.value as Promise<T>;
    }
    this.misses += 1;
    return this.install(key, tables, load, sizeOf, now);
  }

  /** Reads `key` now and keeps it (a miss, or a refresh keeping when it was last used). */
  private async install<T>(key: string, tables: readonly string[], load: () => Promise<T>, sizeOf: (value: T) => number | null, usedAt: number): Promise<T> {
    const now = this.clock();
    const added: Entry = {
      at: now, usedAt, tables, load, sizeOf: sizeOf as (value: unknown) => number | null, deps: tables.map((t) => [t, this.versionOf(t)]), value: load(), size: 0,
    };
    this.remove(key);
    this.entries.set(key, added);
    if (this.entries.size > this.maxEntries) this.remove(this.entries.keys().next().value!);
    try {
      const result = (await added.value) as T;
      const size = sizeOf(result);
      if (size === null || size > this.maxTotalRows) this.drop(key, added);
      else if (this.entries.get(key) === added) {
        added.size = size;
        this.totalRows += size;
        // Oldest first (a Map keeps insertion order; a hit moves its entry to the end).
        for (const oldest of this.entries.keys()) {
          if (this.totalRows <= this.maxTotalRows) break;
          if (oldest !== key) this.remove(oldest);
        }
      }
      return result;
    } catch (error) {
      this.drop(key, added);
      throw error;
    }
  }

  /**
   * Reads again the stale entries used within `usedWithinMs` (default 10 minutes), most recently used
   * first, at most `limit` (default 20), one at a time; answers how many. Call it after a transform
   * or increment. A call during a refresh makes that refresh look again when it ends, so a burst of
   * transforms costs one pass at a time. A failed read is dropped (the next caller reads it again).
   * `stop` is asked before each read: true ends the refresh (another write is on its way).
   */
  refresh(options: { limit?: number; usedWithinMs?: number; stop?: () => boolean } = {}): Promise<number> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    const run = async (): Promise<number> => {
      let total = 0;
      do {
        this.refreshAgain = false;
        const now = this.clock();
        const stale = [...this.entries.entries()]
          .filter(([, entry]) => now - entry.usedAt <= (options.usedWithinMs ?? 600_000) && !this.fresh(entry, now))
          .sort(([, a], [, b]) => b.usedAt - a.usedAt)
          .slice(0, options.limit ?? 20);
        for (const [key, entry] of stale) {
          if (options.stop?.()) return total;
          // Asked for (or refreshed) since the list was made: already fresh.
          const current = this.entries.get(key);
          if (current !== entry || this.fresh(entry, this.clock())) continue;
          try {
            await this.install(key, entry.tables, entry.load, entry.sizeOf, entry.usedAt);
            this.refreshed += 1;
            total += 1;
          } catch {
            // install dropped it.
          }
        }
      } while (this.refreshAgain);
      return total;
    };
    this.refreshing = run().finally(() => { this.refreshing = null; });
    return this.refreshing;
  }

  private drop(key: string, entry: Entry): void {
    if (this.entries.get(key) === entry) this.remove(key);
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.totalRows -= entry.size;
    this.entries.delete(key);
  }
}
