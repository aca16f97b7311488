import { z } from 'zod';
import type { PavedConfig } from '@paved/schemas';
import type { Warehouse } from '@paved/warehouse';

/** What an admin may change: any subset of the config's `roi` values and per-team developer counts. */
export const RoiAssumptionsInput = z.object({
  costPerEngineeringHour: z.number().positive().max(10_000).optional(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'a three-letter ISO currency code such as USD or EUR').optional(),
  workingWeeksPerYear: z.number().positive().max(52).optional(),
  peopleInvolvedPerFailure: z.number().positive().max(100).optional(),
  /** Team name → developers; overrides `catalog.teams[].developers`. */
  teamDevelopers: z.record(z.string().min(1).max(200), z.number().int().nonnegative().max(100_000)).optional(),
  /** Keys whose override is removed (the config value applies again), e.g. `roi.currency`, `team.payments.developers`. */
  clear: z.array(z.string().regex(/^(roi\.[A-Za-z]+|team\..+\.developers)$/, 'roi.<setting> or team.<name>.developers')).max(200).optional(),
}).strict();
export type RoiAssumptionsInput = z.infer<typeof RoiAssumptionsInput>;

export type Roi = PavedConfig['roi'];

export interface Assumptions {
  roi: Roi;
  /** Developers per team: overrides win over `catalog.teams[].developers`. */
  teamDevelopers: Record<string, number>;
  /** Where each value came from, by key (`roi.currency`, `team.payments.developers`). */
  source: Record<string, 'config' | 'override'>;
}

const ROI_KEYS = ['costPerEngineeringHour', 'currency', 'workingWeeksPerYear', 'peopleInvolvedPerFailure'] as const;

const OverrideRow = z.object({ key: z.string(), value: z.string(), set_by: z.string(), set_at: z.string() });
export type RoiOverride = z.infer<typeof OverrideRow>;
const OverrideQueryRow = z.object({ key: z.string(), last_value: z.string(), last_set_by: z.string(), last_set_at: z.string() });

/** The current override per key (cleared ones left out). */
export async function readRoiOverrides(warehouse: Warehouse): Promise<RoiOverride[]> {
  const rows = await warehouse.query(
    `SELECT key, argMax(value, set_at) AS last_value, argMax(set_by, set_at) AS last_set_by, toString(max(set_at)) AS last_set_at
     FROM {{db}}.roi_assumptions GROUP BY key ORDER BY key`, {}, OverrideQueryRow);
  return rows.filter((row) => row.last_value !== '').map((row) => ({ key: row.key, value: row.last_value, set_by: row.last_set_by, set_at: row.last_set_at }));
}

export async function setRoiAssumptions(warehouse: Warehouse, input: RoiAssumptionsInput, setBy: string): Promise<number> {
  const at = new Date().toISOString();
  const rows: Record<string, unknown>[] = [];
  for (const key of ROI_KEYS) {
    const value = input[key];
    if (value !== undefined) rows.push({ key: `roi.${key}`, value: String(value), set_by: setBy, set_at: at });
  }
  for (const [team, developers] of Object.entries(input.teamDevelopers ?? {})) {
    rows.push({ key: `team.${team}.developers`, value: String(developers), set_by: setBy, set_at: at });
  }
  for (const key of input.clear ?? []) rows.push({ key, value: '', set_by: setBy, set_at: at });
  if (rows.length) await warehouse.insert('roi_assumptions', rows);
  return rows.length;
}

/** Config values with the admin overrides applied. Pure. */
export function effectiveAssumptions(config: PavedConfig, overrides: readonly Pick<RoiOverride, 'key' | 'value'>[]): Assumptions {
  const roi: Roi = { ...config.roi };
  const source: Assumptions['source'] = {};
  for (const key of ROI_KEYS) source[`roi.${key}`] = 'config';
  const teamDevelopers: Record<string, number> = {};
  for (const team of config.catalog.teams) {
    if (team.developers === undefined) continue;
    teamDevelopers[team.name] = team.developers;
    source[`team.${team.name}.developers`] = 'config';
  }
  for (const { key, value } of overrides) {
    if (value === '') continue;
    const team = /^team\.(.+)\.developers$/.exec(key)?.[1];
    if (team !== undefined) {
      const n = Number(value);
      if (Number.isInteger(n) && n >= 0) { teamDevelopers[team] = n; source[key] = 'override'; }
      continue;
    }
    const name = key.replace(/^roi\./, '') as (typeof ROI_KEYS)[number];
    if (!ROI_KEYS.includes(name)) continue;
    if (name === 'currency') roi.currency = value;
    else {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) continue;
      roi[name] = n;
    }
    source[key] = 'override';
  }
  return { roi, teamDevelopers, source };
}

export async function loadAssumptions(warehouse: Warehouse, config: PavedConfig): Promise<Assumptions> {
  return effectiveAssumptions(config, await readRoiOverrides(warehouse));
}
