import { z } from 'zod';

/*
 * The ROI contract: what `GET /api/v1/roi` answers (insights/src/roadmap/roi.ts `roiSummary`).
 * Every key is documented in docs/roadmap-and-roi.md ("The ROI JSON"). Amounts are in `currency`,
 * per year; an amount that rests on a change whose 95 % interval includes zero is null.
 */

const amount = z.number().nullable();

export const RoiFigureInput = z.object({ name: z.string(), value: z.union([z.number(), z.string()]).nullable(), unit: z.string() });
export type RoiFigureInput = z.infer<typeof RoiFigureInput>;

/** The change a figure rests on, in its own unit, with a 95 % percentile-bootstrap interval. */
export const RoiEffect = z.object({
  name: z.string(),
  unit: z.string(),
  estimate: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  confidence: z.number().gt(0).lt(1),
  method: z.string(),
  resamples: z.number().int().nonnegative(),
  seed: z.number().int(),
  samples: z.array(z.object({ name: z.string(), n: z.number().int().nonnegative() })),
  reason: z.string().nullable(),
}).meta({ id: 'RoiEffect', description: 'The change a figure rests on, with a 95 % percentile-bootstrap interval.' });
export type RoiEffect = z.infer<typeof RoiEffect>;

export const RoiFigure = z.object({
  id: z.string(),
  label: z.string(),
  unit: z.string(),
  period: z.literal('per year'),
  low: amount,
  mid: amount,
  high: amount,
  /** true: the effect's interval excludes zero; false: it does not, or cannot be estimated (low/mid/high are null); null: no change behind it (a level), or nothing to compare with (`effect` null). */
  significant: z.boolean().nullable(),
  effect: RoiEffect.nullable(),
  formula: z.string(),
  inputs: z.array(RoiFigureInput),
  notes: z.array(z.string()),
}).refine((f) => f.significant !== false || (f.low === null && f.mid === null && f.high === null), { message: 'a figure not distinguishable from zero carries no amount', path: ['mid'] })
  .meta({ id: 'RoiFigure', description: 'One ROI figure: an amount range per year (null amounts when its change is not distinguishable from zero), its formula and inputs.' });
export type RoiFigure = z.infer<typeof RoiFigure>;

const window = z.object({ from: z.string(), to: z.string() });
const DeveloperSourceOrRespondents = z.enum(['override', 'catalog', 'estimate', 'respondents']);

export const RoiResult = z.object({
  window,
  previousWindow: window,
  period: z.object({ per: z.literal('year'), windowDays: z.number().int().positive(), annualisationFactor: z.number().positive(), statement: z.string() }),
  campaign: z.object({ id: z.string(), title: z.string() }).nullable(),
  previousCampaign: z.object({ id: z.string(), title: z.string() }).nullable(),
  currency: z.string(),
  assumptions: z.object({
    roi: z.object({ costPerEngineeringHour: z.number(), currency: z.string(), workingWeeksPerYear: z.number(), peopleInvolvedPerFailure: z.number() }),
    teamDevelopers: z.record(z.string(), z.number()),
    source: z.record(z.string(), z.enum(['config', 'override'])),
  }),
  developers: z.object({
    count: z.number().int().nonnegative(),
    basis: z.enum(['catalog', 'respondents', 'none']),
    teams: z.array(z.object({ team: z.string(), count: z.number().int().nonnegative(), source: DeveloperSourceOrRespondents })),
    respondents: z.number().int().nonnegative().nullable(),
  }),
  figures: z.array(RoiFigure),
  notes: z.array(z.string()),
}).meta({ id: 'RoiResult', description: 'ROI figures per year as ranges, each with its formula and inputs (docs/roadmap-and-roi.md).' });
export type RoiResult = z.infer<typeof RoiResult>;
