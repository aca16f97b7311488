/**
 * The public API of @paved/runtime: the typed side of the hand-over from a running `paved` process to the
 * dashboard it serves (`registerRuntime` / `currentRuntime` over the plain @paved/services module).
 */
export { currentRuntime, registerRuntime } from './context.js';
export type { HealthReport, PavedRuntime } from './context.js';
