-- The five keys per Monday-starting week, with lead-time p50/p75/p90 bands.
-- slot scope: scopeWhere (dora.ts), the team / service / golden-path filter as typed parameters.
WITH
deps AS (
    SELECT toMonday(deployed_at) AS week, count() AS deployments, countIf(failed) AS failed_n, countIf(rework) AS rework_n,
           quantileExactInclusiveIf(0.5)(assumeNotNull(recovery_hours), failed AND recovery_hours IS NOT NULL) AS recovery_p50,
           countIf(failed AND recovery_hours IS NOT NULL) AS recovered
    FROM {{db}}.t_deployment_facts
    WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND {{scope}}
    GROUP BY week
),
leads AS (
    SELECT toMonday(deployed_at) AS week, quantilesExactInclusive(0.5, 0.75, 0.9)(lead_hours) AS q, count() AS changes
    FROM {{db}}.t_changes
    WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND {{scope}} AND lead_hours > 0
    GROUP BY week
)
SELECT toString(d.week) AS week, d.deployments AS deployments, d.failed_n AS failed, d.rework_n AS rework,
       if(d.recovered = 0, NULL, d.recovery_p50) AS recovery_p50,
       if(l.changes = 0, NULL, l.q[1]) AS lead_p50, if(l.changes = 0, NULL, l.q[2]) AS lead_p75, if(l.changes = 0, NULL, l.q[3]) AS lead_p90,
       l.changes AS changes
FROM deps AS d LEFT JOIN leads AS l ON l.week = d.week
ORDER BY d.week
SETTINGS join_use_nulls = 0
