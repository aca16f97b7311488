import { z } from 'zod';
import { DoraLevel } from '../dora.js';
import { campaignParam, fromParam, toParam, WINDOW_ORDER, windowInOrder } from './common.js';

/* Contracts of GET /api/v1/roadmap and the query of GET /api/v1/roi (its answer is RoiResult, ../roi.ts). */

const count = z.number().int().nonnegative();
const window = z.object({ from: z.string(), to: z.string() });
const campaignRef = z.object({ id: z.string(), title: z.string() });

export const RoadmapQuery = z.object({ from: fromParam(), to: toParam(), campaign: campaignParam().optional() }).refine(windowInOrder, WINDOW_ORDER);
export type RoadmapQuery = z.infer<typeof RoadmapQuery>;

export const RoiQuery = z.object({ from: fromParam(), to: toParam(), campaign: campaignParam().optional() }).refine(windowInOrder, WINDOW_ORDER);
export type RoiQuery = z.infer<typeof RoiQuery>;

export const RoadmapMeasure = z.enum(['pickupTime', 'deploymentFrequency', 'leadTime', 'changeFailureRate', 'reworkRate', 'recovery']);

export const MetricEvidence = z.object({
  measure: RoadmapMeasure,
  label: z.string(),
  unit: z.string(),
  value: z.number().nullable().meta({ description: 'Organisation-wide value this period.' }),
  previousValue: z.number().nullable().meta({ description: 'Organisation-wide value the period before.' }),
  level: DoraLevel.nullable(),
  nextLevel: DoraLevel.nullable(),
  threshold: z.number().nullable(),
  gap: z.number().nullable().meta({ description: 'Organisation-wide normalised gap to the next level (0–1).' }),
  weightedTeamGap: z.number().nullable().meta({ description: 'Developer-weighted team gap used in the score.' }),
  farthestTeams: z.array(z.object({ team: z.string(), value: z.number(), level: DoraLevel, gap: z.number() })),
}).meta({ id: 'MetricEvidence', description: 'A measured metric a survey driver maps to (measured data, not survey answers).' });

export const FrictionEntry = z.object({
  rank: z.number().int().positive(),
  driverId: z.string(),
  label: z.string(),
  score: z.number(),
  components: z.object({ unfavourable: z.number(), metricGap: z.number(), hoursLost: z.number(), trend: z.number() }),
  favourable: z.number().nullable(),
  developersUnfavourable: z.number(),
  weightedHoursLost: z.number(),
  evidence: z.object({
    teams: z.array(z.object({ team: z.string(), respondents: count, developers: z.number(), favourable: z.number().nullable(), hoursLost: z.number().nullable() }))
      .meta({ description: 'Shown teams only (at or above minGroupSize), most affected first.' }),
    metrics: z.array(MetricEvidence),
    themes: z.array(z.object({ id: z.string(), label: z.string(), mentions: count, examples: z.array(z.string()) })),
  }),
  changes: z.object({ previousCampaign: z.string().nullable(), favourablePoints: z.number().nullable(), lines: z.array(z.string()) }),
}).meta({ id: 'FrictionEntry', description: 'A friction point (a survey driver) ranked by its score, with the evidence behind it.' });

const GroupPeriods = z.object({ before: z.number().nullable(), after: z.number().nullable() });
const Sample = z.object({ deployments: count, changes: count, failures: count });

export const InitiativeEffect = z.object({
  name: z.string(),
  start: z.string(),
  teams: z.array(z.string()),
  services: z.array(z.string()),
  status: z.enum(['not_started', 'measuring', 'complete']),
  windows: z.object({ before: window, after: window }),
  samples: z.object({ treated: z.object({ before: Sample, after: Sample }), control: z.object({ before: Sample, after: Sample }) })
    .meta({ description: 'Deployments, changes (commits with a lead time) and failed deployments per group and period.' }),
  effects: z.array(z.object({
    key: z.enum(['deploymentsPerWeek', 'leadTimeP50Hours', 'changeFailureRate', 'recoveryP50Hours']),
    label: z.string(), unit: z.string(), better: z.enum(['up', 'down']),
    treated: GroupPeriods, control: GroupPeriods,
    estimate: z.number().nullable().meta({ description: 'Difference in differences: (treated after − before) − (control after − before).' }),
    improved: z.boolean().nullable().meta({ description: 'Whether the estimate points the good way (null when there is none or it is zero).' }),
  })),
  notes: z.array(z.string()),
}).meta({ id: 'InitiativeEffect', description: 'A platform initiative (paved.config.yaml) with difference-in-differences estimates per DORA key.' });

export const RoadmapResult = z.object({
  campaign: campaignRef.nullable(),
  previousCampaign: campaignRef.nullable(),
  window,
  previousWindow: window,
  minGroupSize: count,
  respondents: count.nullable(),
  hiddenTeams: count,
  formula: z.string().meta({ description: 'How the score is computed, in words.' }),
  entries: z.array(FrictionEntry),
  notes: z.array(z.string()),
  initiatives: z.array(InitiativeEffect),
}).meta({ id: 'RoadmapResult', description: 'Ranked friction points with their evidence, and initiative effects.' });
export type RoadmapResult = z.infer<typeof RoadmapResult>;
