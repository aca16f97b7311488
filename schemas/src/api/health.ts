import { z } from 'zod';

/* Contract of GET /api/health: 200 when everything is healthy, 503 (same body) when one part is not. */

export const HealthReport = z.object({
  ok: z.boolean().meta({ description: 'Every part below is healthy.' }),
  warehouse: z.object({ ok: z.boolean(), mode: z.string().meta({ description: '`embedded` (chdb) or `server`.' }), detail: z.string() }),
  bus: z.object({ ok: z.boolean(), kind: z.string(), detail: z.string(), lag: z.number().nullable().meta({ description: 'Messages not yet written to the warehouse, where known.' }) }),
  schedule: z.object({ ok: z.boolean(), lastRun: z.string().nullable(), lastStatus: z.string().nullable(), nextRun: z.string().nullable(), detail: z.string() }),
  demo: z.object({ loaded: z.boolean(), loading: z.boolean(), progress: z.number(), message: z.string() }).nullable().optional()
    .meta({ description: 'The demo organisation\'s load (`paved start` with the demo); null or absent otherwise.' }),
}).meta({ id: 'HealthReport', description: 'Warehouse, bus and schedule status.' });
export type HealthReport = z.infer<typeof HealthReport>;
