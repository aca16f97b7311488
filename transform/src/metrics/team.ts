import { z } from 'zod';
import { calendarDateProblem, isoDay, type DoraResult } from '@paved/schemas';
import type { Warehouse } from '@paved/warehouse';
import { serviceCatalog } from './catalog.js';
import { doraMetrics } from './dora.js';
import { ranking, type RankingRow } from './explore.js';
import { flowMetrics } from './flow.js';
import type { BenchmarkProfile } from './levels.js';

/*
 * One team against the organisation (docs/dashboard.md, "Team page"): its five keys beside the
 * median of all teams' values, its pull-request flow stages beside the median team's with the
 * slowest stage named, and its services with their golden-path share. Every number comes from the
 * same queries the DORA explorer, Flow and Adoption use, so the pages agree.
 */

export const TeamQuery = z.object({
  from: isoDay('from'),
  to: isoDay('to'),
  team: z.string().min(1, 'team is required'),
}).refine((q) => calendarDateProblem(q.from) !== null || calendarDateProblem(q.to) !== null || q.from < q.to, { message: 'from must be before to (the window is [from, to))', path: ['to'] });
export type TeamQuery = z.infer<typeof TeamQuery>;

export const KEYS = ['per_week', 'lead_p50', 'change_failure_rate', 'recovery_p50', 'rework_rate'] as const;
export type TeamKey = (typeof KEYS)[number];
/** Which way is better for each key: more deployments, shorter times, lower rates. */
export const BETTER: Record<TeamKey, 'up' | 'down'> = { per_week: 'up', lead_p50: 'down', change_failure_rate: 'down', recovery_p50: 'down', rework_rate: 'down' };

export const STAGES = ['coding', 'pickup', 'review', 'deploy'] as const;
export type Stage = (typeof STAGES)[number];

export interface KeyComparison {
  key: TeamKey;
  team: number | null;
  /** Median over every team with a value (teams without data are left out, not counted as 0). */
  orgMedian: number | null;
  /** Teams with a value, and this team's place among them from the worst (1 = worst). */
  teams: number;
  worstRank: number | null;
  /** better / worse / same as the median team, or null when either side has no data. */
  versusMedian: 'better' | 'worse' | 'same' | null;
}

export interface StageComparison {
  stage: Stage;
  teamP50: number | null;
  orgMedian: number | null;
}

export interface TeamProfile {
  from: string;
  to: string;
  team: string;
  /** Every team of the catalog in the window, for "no such team" errors and navigation. */
  knownTeams: string[];
  dora: DoraResult;
  keys: KeyComparison[];
  /** The team's own ranking row (deployments, failures, changes behind the keys). */
  row: RankingRow | null;
  flow: { prs: number; cycleP50: number | null; stages: StageComparison[]; slowest: Stage | null; orgCycleMedian: number | null };
  services: { service: string; goldenPath: boolean; inCatalog: boolean; deployments: number; perWeek: number; changeFailureRate: number | null; leadP50: number | null }[];
  golden: { services: number; goldenServices: number; serviceShare: number | null; deployments: number; goldenDeployments: number; deploymentShare: number | null };
}

/** The median of the known values (the mean of the middle two for an even count), as quantileExactInclusive(0.5) computes it. */
export function medianOf(values: readonly (number | null | undefined)[]): number | null {
  const known = values.filter((v): v is number => typeof v === 'number' && !Number.isNaN(v)).sort((a, b) => a - b);
  if (!known.length) return null;
  const mid = (known.length - 1) / 2;
  const low = known[Math.floor(mid)]!;
  const high = known[Math.ceil(mid)]!;
  return Number(((low + high) / 2).toFixed(4));
}

/** Compares one team's value with every team's, for one key. */
export function compareKey(key: TeamKey, team: string, rows: readonly RankingRow[]): KeyComparison {
  const value = rows.find((r) => r.key === team)?.[key] ?? null;
  const known = rows.map((r) => r[key]).filter((v): v is number => v !== null);
  const orgMedian = medianOf(known);
  const worseThan = (a: number, b: number) => (BETTER[key] === 'up' ? a < b : a > b);
  const worstRank = value === null ? null : known.filter((v) => worseThan(v, value)).length + 1;
  const versusMedian = value === null || orgMedian === null ? null : value === orgMedian ? 'same' : worseThan(value, orgMedian) ? 'worse' : 'better';
  return { key, team: value, orgMedian, teams: known.length, worstRank, versusMedian };
}

/** Stage medians of a flow row by stage name. */
function stagesOf(row: { coding_p50: number | null; pickup_p50: number | null; review_p50: number | null; deploy_p50: number | null } | undefined): Record<Stage, number | null> {
  return { coding: row?.coding_p50 ?? null, pickup: row?.pickup_p50 ?? null, review: row?.review_p50 ?? null, deploy: row?.deploy_p50 ?? null };
}

/** The stage with the longest median (ties: the earlier stage), or null when no stage has data. */
export function slowestStage(stages: Record<Stage, number | null>): Stage | null {
  let worst: Stage | null = null;
  for (const s of STAGES) if (stages[s] !== null && (worst === null || stages[s]! > stages[worst]!)) worst = s;
  return worst;
}

/** One team against the organisation over [from, to). Throws with the known teams when the team has no service and no deployment. */
export async function teamProfile(warehouse: Warehouse, query: TeamQuery, profile: BenchmarkProfile = '2023'): Promise<TeamProfile> {
  const window = { from: query.from, to: query.to };
  const [teams, services, catalog, dora, flow] = await Promise.all([
    ranking(warehouse, window, 'team'),
    ranking(warehouse, { ...window, team: query.team }, 'service'),
    serviceCatalog(warehouse, window),
    doraMetrics(warehouse, { ...window, team: query.team }, profile),
    flowMetrics(warehouse, window),
  ]);
  const knownTeams = [...new Set([...catalog.map((s) => s.team), ...teams.map((t) => t.key)])].sort((a, b) => a.localeCompare(b));
  const row = teams.find((t) => t.key === query.team) ?? null;
  const teamFlow = flow.teams.find((t) => t.team === query.team);
  if (!row && !teamFlow) throw new UnknownTeamError(query.team, knownTeams);

  const own = stagesOf(teamFlow);
  const stages = STAGES.map((stage) => ({ stage, teamP50: own[stage], orgMedian: medianOf(flow.teams.map((t) => stagesOf(t)[stage])) }));
  const inCatalog = new Map(catalog.filter((s) => s.team === query.team).map((s) => [s.service, s]));
  const serviceRows = services.map((s) => ({
    service: s.key, goldenPath: s.golden_path, inCatalog: inCatalog.get(s.key)?.inCatalog ?? false, deployments: s.deployments, perWeek: s.per_week,
    changeFailureRate: s.change_failure_rate, leadP50: s.lead_p50,
  })).sort((a, b) => a.perWeek - b.perWeek || a.service.localeCompare(b.service));
  const goldenServices = serviceRows.filter((s) => s.goldenPath).length;
  const deployments = serviceRows.reduce((sum, s) => sum + s.deployments, 0);
  const goldenDeployments = serviceRows.filter((s) => s.goldenPath).reduce((sum, s) => sum + s.deployments, 0);

  return {
    from: query.from,
    to: query.to,
    team: query.team,
    knownTeams,
    dora,
    keys: KEYS.map((key) => compareKey(key, query.team, teams)),
    row,
    flow: { prs: teamFlow?.prs ?? 0, cycleP50: teamFlow?.cycle_p50 ?? null, stages, slowest: slowestStage(own), orgCycleMedian: medianOf(flow.teams.map((t) => t.cycle_p50)) },
    services: serviceRows,
    golden: {
      services: serviceRows.length, goldenServices, serviceShare: serviceRows.length ? Number((goldenServices / serviceRows.length).toFixed(4)) : null,
      deployments, goldenDeployments, deploymentShare: deployments ? Number((goldenDeployments / deployments).toFixed(4)) : null,
    },
  };
}

/** A team Paved does not know: the message lists the ones it does. */
export class UnknownTeamError extends Error {
  constructor(readonly team: string, readonly knownTeams: string[]) {
    super(`unknown team "${team}": known teams are ${knownTeams.length ? knownTeams.join(', ') : '(none yet)'}`);
    this.name = 'UnknownTeamError';
  }
}
