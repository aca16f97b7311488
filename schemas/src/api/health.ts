import { z } from 'zod';

/* Contract of GET /api/health: 200 when everything is healthy, 503 (same body) when one part is not. */

export const HealthReport = z.object({
  ok: z.boolean().meta({ description: 'Every part below is healthy.' }),
  warehouse: z.object({ ok: z.boolean(), mode: z.string().meta({ description: '`embedded` (chdb) or `server`.' }), detail: z.string() }),
  bus: z.object({ ok: z.boolean(), kind: z.string(), detail: z.string(), lag: z.number().nullable().meta({ description: 'Messages not yet written to the warehouse, where known.' }) }),
  schedule: z.object({ ok: z.boolean(), lastRun: z.string().nullable(), lastStatus: z.string().nullable(), nextRun: z.string().nullable(), detail: z.string() }),
  demo: z.object({
    loaded: z.boolean(),
    loading: z.boolean(),
    progress: z.number().meta({ description: 'Deliveries sent through ingestion so far, 0 to 1.' }),
    message: z.string(),
    deliveries: z.number().int().optional().meta({ description: 'While loading: deliveries sent so far.' }),
    expectedDeliveries: z.number().int().optional().meta({ description: 'While loading: deliveries expected in all.' }),
    historyUntil: z.string().nullable().optional().meta({ description: 'While loading: the history is in up to this instant (deliveries go in oldest first).' }),
    transformsDuringLoad: z.number().int().optional().meta({ description: 'While loading: transforms run on the part loaded so far (numbers appear before the end).' }),
    metricsReady: z.boolean().meta({ description: 'A transform that started after the load finished has succeeded: the metrics cover the whole demo organisation. `loaded` turns true first; wait on this field for numbers.' }),
  }).nullable().optional()
    .meta({ description: 'The demo organisation\'s load (`paved start` with the demo); null or absent otherwise.' }),
}).meta({ id: 'HealthReport', description: 'Warehouse, bus and schedule status.' });
export type HealthReport = z.infer<typeof HealthReport>;
