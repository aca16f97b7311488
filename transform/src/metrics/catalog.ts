import { z } from 'zod';
import type { Warehouse } from '../warehouse/client.js';

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
 * `[{from:DateTime64(3, 'UTC')}, {to:DateTime64(3, 'UTC')})`. Filter it with SCOPE from dora.ts.
 */
export const SERVICE_CATALOG_CTE = `
service_catalog AS (
    SELECT service, argMax(team, from_catalog) AS team, argMax(golden_path, from_catalog) AS golden_path, max(from_catalog) = 1 AS in_catalog
    FROM (
        SELECT service, ifNull(team, 'unassigned') AS team,
               (source_template IS NOT NULL OR mapContains(annotations, 'backstage.io/source-template')) AS golden_path, 1 AS from_catalog
        FROM {{db}}.catalog_entities FINAL
        WHERE ifNull(lifecycle, '') != 'deprecated'
        UNION ALL
        SELECT service, any(team), max(golden_path), 0
        FROM {{db}}.t_deployments
        WHERE is_production AND status = 'success' AND service != 'unknown'
          AND deployed_at >= least({from:DateTime64(3, 'UTC')}, subtractMonths({to:DateTime64(3, 'UTC')}, 12))
          AND deployed_at < {to:DateTime64(3, 'UTC')}
        GROUP BY service
    )
    GROUP BY service
)`;

const CatalogRow = z.object({ service: z.string(), team: z.string(), golden_path: z.coerce.boolean(), in_catalog: z.coerce.boolean() });
export interface CatalogService {
  service: string;
  team: string;
  goldenPath: boolean;
  /** In the catalog (true), or known only from its production deployments (false). */
  inCatalog: boolean;
}

/** The services of the catalog (see SERVICE_CATALOG_CTE) as of the window, by team then name. */
export async function serviceCatalog(warehouse: Warehouse, window: { from: string; to: string }): Promise<CatalogService[]> {
  const rows = await warehouse.query(`
    WITH ${SERVICE_CATALOG_CTE}
    SELECT service, team, golden_path, in_catalog FROM service_catalog ORDER BY team, service`,
  { from: `${window.from} 00:00:00.000`, to: `${window.to} 00:00:00.000` }, CatalogRow);
  return rows.map((r) => ({ service: r.service, team: r.team, goldenPath: r.golden_path, inCatalog: r.in_catalog }));
}
