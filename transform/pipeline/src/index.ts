/**
 * The public API of @paved/pipeline: from the bus into the warehouse. The sink (batching, coalescing, the rows
 * of each table), dead letters and their replay, replay of archived raw deliveries and the backfill cursors.
 * Other packages import from here only (`pnpm lint`).
 */
export { WarehouseCursorStore } from './backfill-cursors.js';
export { replayDeadLetters } from './dlq.js';
export { archivedPayload, replayRawDeliveries } from './replay.js';
export type { TableRows } from './rows.js';
export { Sink } from './sink.js';
