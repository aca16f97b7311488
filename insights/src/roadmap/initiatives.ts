import type { PavedConfig } from '@paved/schemas';
import { initiativeRows, type InitiativeRows } from '@paved/transform';
import type { Warehouse } from '@paved/warehouse';
import { addDays } from './friction.js';
import { round } from './scoring.js';

/** Weeks compared on each side of an initiative's start date. */
export const DID_WEEKS = 8;

export interface GroupPeriods {
  before: number | null;
  after: number | null;
}

/**
 * Difference in differences: (treated after − treated before) − (control after − control before).
 * The control group's change stands in for what would have happened to the targeted teams anyway
 * (seasonality, org-wide changes); null when any of the four values is missing.
 */
export function differenceInDifferences(treated: GroupPeriods, control: GroupPeriods): number | null {
  if (treated.before === null || treated.after === null || control.before === null || control.after === null) return null;
  return (treated.after - treated.before) - (control.after - control.before);
}

export type EffectKey = 'deploymentsPerWeek' | 'leadTimeP50Hours' | 'changeFailureRate' | 'recoveryP50Hours';
export const EFFECT_KEYS: { key: EffectKey; label: string; unit: string; better: 'up' | 'down'; sample: 'deployments' | 'changes' | 'failures' }[] = [
  { key: 'deploymentsPerWeek', label: 'Deployments per week', unit: 'per week', better: 'up', sample: 'deployments' },
  { key: 'leadTimeP50Hours', label: 'Lead time p50', unit: 'hours', better: 'down', sample: 'changes' },
  { key: 'changeFailureRate', label: 'Change failure rate', unit: 'share', better: 'down', sample: 'deployments' },
  { key: 'recoveryP50Hours', label: 'Failed deployment recovery p50', unit: 'hours', better: 'down', sample: 'failures' },
];

interface Cell {
  values: Record<EffectKey, number | null>;
  sample: { deployments: number; changes: number; failures: number };
}

export interface KeyEffect {
  key: EffectKey;
  label: string;
  unit: string;
  better: 'up' | 'down';
  treated: GroupPeriods;
  control: GroupPeriods;
  estimate: number | null;
  /** Whether the estimate points the good way (null when there is none or it is zero). */
  improved: boolean | null;
}

export interface InitiativeEffect {
  name: string;
  start: string;
  teams: string[];
  services: string[];
  status: 'not_started' | 'measuring' | 'complete';
  windows: { before: { from: string; to: string }; after: { from: string; to: string } };
  /** Deployments, changes (commits with a lead time) and failed deployments per group and period. */
  samples: { treated: { before: Cell['sample']; after: Cell['sample'] }; control: { before: Cell['sample']; after: Cell['sample'] } };
  effects: KeyEffect[];
  notes: string[];
}

/** Builds one cell (group × period) from the two query rows. Pure. */
export function cellOf(deploys: { deployments: number; failed_n: number; recovered_n: number; recovery_p50: number | null } | undefined, changes: { changes: number; lead_p50: number | null } | undefined, days: number): Cell {
  const deployments = deploys?.deployments ?? 0;
  const failed = deploys?.failed_n ?? 0;
  return {
    values: {
      deploymentsPerWeek: days > 0 ? round((deployments / days) * 7, 3) : null,
      leadTimeP50Hours: changes && changes.changes > 0 && changes.lead_p50 !== null ? round(changes.lead_p50, 2) : null,
      changeFailureRate: deployments > 0 ? round(failed / deployments, 4) : null,
      recoveryP50Hours: deploys && deploys.recovered_n > 0 && deploys.recovery_p50 !== null ? round(deploys.recovery_p50, 2) : null,
    },
    sample: { deployments, changes: changes?.changes ?? 0, failures: failed },
  };
}

/**
 * Per initiative (config `initiatives`) and key: the targeted teams' and services' change from the
 * DID_WEEKS weeks before the start date to the DID_WEEKS weeks after, minus the change of everything
 * else over the same windows, with sample sizes. The after window stops at `to` (status `measuring`
 * until it is complete); the before window then has the same length.
 */
export async function initiativeEffects(warehouse: Warehouse, config: PavedConfig, window: { from: string; to: string }): Promise<InitiativeEffect[]> {
  const out: InitiativeEffect[] = [];
  for (const initiative of config.initiatives) {
    const full = addDays(initiative.start, DID_WEEKS * 7);
    const afterEnd = full < window.to ? full : window.to;
    const days = Math.max(0, Math.round((Date.parse(afterEnd) - Date.parse(initiative.start)) / 86_400_000));
    const before = { from: addDays(initiative.start, -days), to: initiative.start };
    const after = { from: initiative.start, to: afterEnd };
    const status = days === 0 ? 'not_started' : afterEnd === full ? 'complete' : 'measuring';
    const notes: string[] = [];
    if (!initiative.teams.length && !initiative.services.length) notes.push('No teams or services listed: nothing is targeted, so there is nothing to compare.');
    const rows: InitiativeRows = days > 0
      ? await initiativeRows(warehouse, { teams: initiative.teams, services: initiative.services, before: before.from, start: initiative.start, end: after.to })
      : { deploys: [], changes: [] };
    const cell = (treated: number, isAfter: number) => cellOf(
      rows.deploys.find((r) => r.treated === treated && r.after === isAfter),
      rows.changes.find((r) => r.treated === treated && r.after === isAfter),
      days,
    );
    const cells = { treated: { before: cell(1, 0), after: cell(1, 1) }, control: { before: cell(0, 0), after: cell(0, 1) } };
    if (days > 0 && cells.treated.before.sample.deployments + cells.treated.after.sample.deployments < 20) notes.push('Fewer than 20 deployments from the targeted teams: treat the estimates as anecdotes.');
    if (status === 'measuring') notes.push(`Only ${days} of ${DID_WEEKS * 7} days after the start are in the window so far.`);
    const effects = EFFECT_KEYS.map((k): KeyEffect => {
      const treated = { before: cells.treated.before.values[k.key], after: cells.treated.after.values[k.key] };
      const control = { before: cells.control.before.values[k.key], after: cells.control.after.values[k.key] };
      const raw = differenceInDifferences(treated, control);
      const estimate = raw === null ? null : round(raw, 4);
      return { key: k.key, label: k.label, unit: k.unit, better: k.better, treated, control, estimate, improved: estimate === null || estimate === 0 ? null : (estimate > 0) === (k.better === 'up') };
    });
    out.push({
      name: initiative.name, start: initiative.start, teams: initiative.teams, services: initiative.services, status, windows: { before, after },
      samples: { treated: { before: cells.treated.before.sample, after: cells.treated.after.sample }, control: { before: cells.control.before.sample, after: cells.control.after.sample } },
      effects, notes,
    });
  }
  return out;
}
