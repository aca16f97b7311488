import { z } from 'zod';

/*
 * The DORA metrics contract: what `GET /api/v1/metrics/dora` answers and `paved metrics dora --json`
 * prints. Every key is documented in docs/metrics.md ("The DORA contract"). Rates are fractions 0–1;
 * a value without data is null.
 */

export const DoraLevel = z.enum(['elite', 'high', 'medium', 'low']).meta({ id: 'DoraLevel', description: 'A DORA performance level; null where the metric has no data.' });
export type DoraLevel = z.infer<typeof DoraLevel>;

const hours = z.number().nullable();
const count = z.number().int().nonnegative();

export const DoraResult = z.object({
  from: z.string(),
  to: z.string(),
  scope: z.object({ team: z.string().nullable(), service: z.string().nullable(), goldenPath: z.boolean().optional() }),
  profile: z.enum(['2023', '2024']),
  deploymentFrequency: z.object({
    /** Production deployments in the window, all services in scope together. */
    deployments: count,
    /** `deployments` per week of the window (the total, not per service). */
    perWeek: z.number().nullable(),
    /** Services in scope (1 for a single service): the service catalog's, see docs/metrics.md. */
    services: count,
    /** Median over the services in scope of each one's deployments per week (none in the window = 0). */
    perServicePerWeekP50: z.number().nullable(),
    /** Median over the services in scope of each one's median deploy days per whole week. */
    deployDaysPerWeekP50: z.number().nullable(),
    /** Level of the median service (`perServicePerWeekP50`); null without deployments. */
    level: DoraLevel.nullable(),
  }),
  leadTime: z.object({ p50Hours: hours, p75Hours: hours, p90Hours: hours, changes: count, level: DoraLevel.nullable() }),
  changeFailureRate: z.object({ rate: z.number().nullable(), failedDeployments: count, deployments: count, level: DoraLevel.nullable() }),
  recovery: z.object({
    timeToRestoreP50Hours: hours,
    incidents: count,
    failedDeploymentRecoveryP50Hours: hours,
    /** Every failed production deployment in the window, recovered or not. */
    failedDeployments: count,
    /** Failed deployments with a recovery time: the n behind failedDeploymentRecoveryP50Hours. */
    recoveredDeployments: count,
    level: DoraLevel.nullable(),
  }),
  reworkRate: z.object({ rate: z.number().nullable(), reworkDeployments: count, deployments: count }),
}).meta({ id: 'DoraResult', description: 'The five DORA keys for a window and a scope; rates are fractions 0–1, times hours, no data is null. Every key: docs/api.md.' });
export type DoraResult = z.infer<typeof DoraResult>;
