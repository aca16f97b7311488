import { BackfillCursor, type CursorKey, type CursorStore, emptyCursor } from '@paved/ingest';
import { z } from 'zod';
import type { Warehouse } from '@paved/warehouse';

const CursorRow = z.object({ state: z.string() });

/**
 * Backfill cursors in `backfill_cursors` (ReplacingMergeTree on updated_at: the newest save wins).
 * `beforeSave` lets the caller make sure what was fetched is stored before the cursor moves past it
 * (the in-process bus holds events in memory until the sink inserted them).
 */
export class WarehouseCursorStore implements CursorStore {
  private lastSavedMs = 0;

  constructor(private readonly warehouse: Warehouse, private readonly beforeSave: () => Promise<void> = async () => {}) {}

  async load(key: CursorKey): Promise<BackfillCursor> {
    const [row] = await this.warehouse.query(
      `SELECT state FROM {{db}}.backfill_cursors FINAL
       WHERE source = {source:String} AND scope = {scope:String} AND kind = {kind:String}
       LIMIT 1`,
      { source: key.source, scope: key.scope, kind: key.kind },
      CursorRow,
    );
    if (!row) return emptyCursor();
    const parsed = BackfillCursor.safeParse(JSON.parse(row.state));
    // An unreadable cursor (written by another version) means "start this kind over", never a crash.
    return parsed.success ? parsed.data : emptyCursor();
  }

  async save(key: CursorKey, cursor: BackfillCursor): Promise<void> {
    await this.beforeSave();
    // Strictly increasing versions, so two saves in the same millisecond still order correctly.
    this.lastSavedMs = Math.max(Date.now(), this.lastSavedMs + 1);
    await this.warehouse.insert('backfill_cursors', [{
      source: key.source, scope: key.scope, kind: key.kind, state: JSON.stringify(cursor), updated_at: new Date(this.lastSavedMs).toISOString(),
    }]);
  }
}
