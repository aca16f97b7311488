import { z } from 'zod';
import type { Warehouse } from '@paved/warehouse';
import { sqlFiles, sqlFragment } from './sql-files.js';

/*
 * The one catalog of services and teams that every page and API counts from (docs/metrics.md,
 * "Service catalog"): the catalog's services that are not deprecated, plus every service with a
 * successful production deployment in the twelve months before the window ends (or since the
 * window starts, for windows longer than a year), which covers services mapped by repository
 * name or named by their sender. Its team and golden-path flag come from the catalog when the
 * service is in it, else from its deployments (which took them from the catalog at transform time).
 */

/**
 * CTE `service_catalog (service, team, golden_path, in_catalog)` as of the window
 * `[{from:DateTime64(3, 'UTC')}, {to:DateTime64(3, 'UTC')})` (sql/fragments/service_catalog.sql; SQL files
 * splice it in with `{{> service_catalog}}`). Filter it with SCOPE from dora.ts.
 */
export const SERVICE_CATALOG_CTE = sqlFragment('service_catalog');

const SQL = sqlFiles('queries/catalog', ['services', 'estimated_developers']);

const CatalogRow = z.object({ service: z.string(), team: z.string(), golden_path: z.coerce.boolean(), in_catalog: z.coerce.boolean() });
export interface CatalogService {
  service: string;
  team: string;
  goldenPath: boolean;
  /** In the catalog (true), or known only from its production deployments (false). */
  inCatalog: boolean;
}

/** A window covering all history: the catalog of every service ever deployed to production, or in the catalog. */
export const ALL_HISTORY = { from: '1970-01-01', to: '2100-01-01' } as const;

/** The services of the catalog (see SERVICE_CATALOG_CTE) as of the window, by team then name. */
export async function serviceCatalog(warehouse: Warehouse, window: { from: string; to: string }): Promise<CatalogService[]> {
  const rows = await warehouse.query(SQL.services.for(warehouse), { from: `${window.from} 00:00:00.000`, to: `${window.to} 00:00:00.000` }, CatalogRow);
  return rows.map((r) => ({ service: r.service, team: r.team, goldenPath: r.golden_path, inCatalog: r.in_catalog }));
}

/*
 * The one source of developer counts per team (docs/metrics.md, "Developers per team"), used by
 * Surveys (participation), the Roadmap and ROI: an admin's override, else `catalog.teams[].developers`
 * from the configuration, else an estimate from the pull requests merged in the window. Surveys of a
 * managed campaign count invited people first: that is who could answer, not a second team size.
 */

export type DeveloperSource = 'override' | 'catalog' | 'estimate';
export interface TeamDevelopers {
  count: number;
  source: DeveloperSource;
}

const DAY_MS = 86_400_000;
/**
 * The window developer estimates (and a campaign's measured metrics) come from: the 90 days before
 * the campaign closed, or before now while it is still open.
 */
export function campaignWindowOf(campaign: { closesAt: string; closedAt?: string | null }, now: Date): { from: string; to: string } {
  const end = [campaign.closesAt, campaign.closedAt ?? null, now.toISOString()].filter((t): t is string => t !== null).sort()[0]!;
  const to = new Date(Date.parse(`${end.slice(0, 10)}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
  return { from: new Date(Date.parse(`${to}T00:00:00Z`) - 90 * DAY_MS).toISOString().slice(0, 10), to };
}

const DeveloperRow = z.object({ team: z.string(), developers: z.coerce.number() });

/**
 * Developers per team estimated from pull requests merged in [from, to): each human author counts
 * once, for the team they merged most PRs in.
 */
export async function estimatedDevelopers(warehouse: Warehouse, from: string, to: string): Promise<Map<string, number>> {
  const rows = await warehouse.query(SQL.estimated_developers.for(warehouse), { from: `${from} 00:00:00.000`, to: `${to} 00:00:00.000` }, DeveloperRow);
  return new Map(rows.map((r) => [r.team, r.developers]));
}

/**
 * Developers per team from the one source: `known` are the counts set by an admin or in the
 * configuration (roadmap/assumptions.ts `loadAssumptions`: `teamDevelopers` with its `source`),
 * estimates from merged pull requests in `window` fill in the other teams.
 */
export async function teamDevelopers(
  warehouse: Warehouse,
  known: { teamDevelopers: Readonly<Record<string, number>>; source: Readonly<Record<string, string>> },
  window: { from: string; to: string },
): Promise<Map<string, TeamDevelopers>> {
  const out = new Map<string, TeamDevelopers>();
  for (const [team, count] of Object.entries(known.teamDevelopers)) {
    out.set(team, { count, source: known.source[`team.${team}.developers`] === 'override' ? 'override' : 'catalog' });
  }
  for (const [team, count] of await estimatedDevelopers(warehouse, window.from, window.to)) {
    if (!out.has(team)) out.set(team, { count, source: 'estimate' });
  }
  return out;
}
