-- CTE `service_catalog (service, team, golden_path, in_catalog)`: the one catalog of services and teams
-- (docs/metrics.md, "Service catalog"; catalog.ts) as of the window [{from}, {to}).
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
)
