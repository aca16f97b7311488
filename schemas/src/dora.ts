import { z } from 'zod';

/*
 * The DORA metrics contract: what `GET /api/v1/metrics/dora` answers and `paved metrics dora --json`
 * prints. Every key is described here, and so in the OpenAPI document (/api/openapi.json, /docs/api);
 * definitions are in docs/metrics.md. Rates are fractions 0–1; a value without data is null.
 */

export const DoraLevel = z.enum(['elite', 'high', 'medium', 'low']).meta({ id: 'DoraLevel', description: 'A DORA performance level; null where the metric has no data.' });
export type DoraLevel = z.infer<typeof DoraLevel>;

const hours = (description: string) => z.number().nullable().meta({ description });
const count = (description: string) => z.number().int().nonnegative().meta({ description });
const rate = (description: string) => z.number().nullable().meta({ description });
const level = (description: string) => DoraLevel.nullable().meta({ description });

export const DoraResult = z.object({
  from: z.string().meta({ description: 'First day of the window as asked (`YYYY-MM-DD`, inclusive).' }),
  to: z.string().meta({ description: 'Day after the window (`YYYY-MM-DD`, exclusive).' }),
  scope: z.object({
    team: z.string().nullable().meta({ description: 'The team asked for; null when not given.' }),
    service: z.string().nullable().meta({ description: 'The service asked for; null when not given.' }),
    goldenPath: z.boolean().optional().meta({ description: 'Present only when the request named it.' }),
  }),
  profile: z.enum(['2023', '2024']).meta({ description: 'The benchmark the levels were read from.' }),
  deploymentFrequency: z.object({
    deployments: count('Successful production deployments in the window, all services in scope together.'),
    perWeek: rate('`deployments` per week of the window (`deployments ÷ days × 7`): the total, not per service; null without deployments.'),
    services: count('Services in scope: the service catalog\'s services of the team or organisation (docs/metrics.md); 1 for a single service.'),
    perServicePerWeekP50: rate('Median over those services of each one\'s deployments per week (a service with none in the window counts as 0); for a single service it equals `perWeek`.'),
    deployDaysPerWeekP50: rate('Median, over the Monday–Sunday weeks wholly in the window, of the days with a deployment (a service\'s median; for a team or the organisation, the median over services); null when the window holds no whole week.'),
    level: level('Level of `perServicePerWeekP50` (of the median service; for a single service, of `perWeek`); null without deployments.'),
  }),
  leadTime: z.object({
    p50Hours: hours('Median over change-set commits of the deployments in the window of (deployment time − authored time), values ≤ 0 left out.'),
    p75Hours: hours('75th percentile, as `p50Hours`.'),
    p90Hours: hours('90th percentile, as `p50Hours`.'),
    changes: count('How many commits the quantiles are over.'),
    level: level('Level of `p50Hours`.'),
  }),
  changeFailureRate: z.object({
    rate: rate('`failedDeployments ÷ deployments` (0–1).'),
    failedDeployments: count('Production deployments in the window with at least one failure link.'),
    deployments: count('Production deployments in the window (as `deploymentFrequency.deployments`).'),
    level: level('Level of `rate`.'),
  }),
  recovery: z.object({
    timeToRestoreP50Hours: hours('Median (resolved − opened) over incidents opened in the window and resolved.'),
    incidents: count('Resolved incidents opened in the window: the n behind `timeToRestoreP50Hours`.'),
    failedDeploymentRecoveryP50Hours: hours('Median over failed deployments of (recovery − deployment time).'),
    failedDeployments: count('Every failed production deployment in the window, recovered or not.'),
    recoveredDeployments: count('Failed deployments with a recovery time (all linked incidents resolved, or a later production deployment of the service): the n behind `failedDeploymentRecoveryP50Hours`.'),
    level: level('Level of `failedDeploymentRecoveryP50Hours`.'),
  }),
  reworkRate: z.object({
    rate: rate('`reworkDeployments ÷ deployments` (0–1).'),
    reworkDeployments: count('Production deployments that are unplanned fixes (a revert, a fix-labelled PR, or a rollback).'),
    deployments: count('Production deployments in the window.'),
  }),
}).meta({ id: 'DoraResult', description: 'The five DORA keys for a window and a scope. Counts are integers, rates fractions 0–1, times hours; a value without data is null (never 0 standing in for "unknown"). Definitions: docs/metrics.md.' });
export type DoraResult = z.infer<typeof DoraResult>;
