/**
 * The public API of @paved/warehouse: the ClickHouse client (`Warehouse`: embedded chdb or a server), the
 * numbered migrations (`migrations/`, applied in file order and recorded by number in `_migrations`), the
 * embedded engine, the data-directory lock and the read cache. Other packages import from here only (`pnpm lint`).
 */
export { ClickHouseError, describeWarehouseError, isTransientWarehouseError, Warehouse } from './client.js';
export type { QueryParams } from './client.js';
export { EmbeddedEngine } from './embedded.js';
export { readWarehouseLock, updateWarehouseLock, WarehouseLockedError } from './lock.js';
export { loadMigrations, migrate, renderStatements } from './migrate.js';
