-- Services (or teams) with each key, for the ranked table: every service of the catalog in scope, with 0
-- deployments when it shipped nothing in the window. slot key: `service` or `team`; slot scope: scopeWhere.
WITH
{{> service_catalog}},
per_service AS (
    SELECT s.service AS service, s.team AS team, s.golden_path AS golden_path, c.n AS n
    FROM (SELECT service, team, golden_path FROM service_catalog WHERE {{scope}}) AS s
    LEFT JOIN (
        SELECT service, count() AS n FROM {{db}}.t_deployment_facts
        WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND {{scope}}
        GROUP BY service
    ) AS c ON c.service = s.service
),
keys AS (
    SELECT {{key}} AS key, any(team) AS team_name, max(golden_path) AS golden, count() AS services, quantileExactInclusive(0.5)(toFloat64(n)) AS n_p50
    FROM per_service GROUP BY key
),
deps AS (
    SELECT {{key}} AS key, count() AS deployments, countIf(failed) AS failed_n, countIf(rework) AS rework_n,
           quantileExactInclusiveIf(0.5)(assumeNotNull(recovery_hours), failed AND recovery_hours IS NOT NULL) AS recovery_p50,
           countIf(failed AND recovery_hours IS NOT NULL) AS recovered
    FROM {{db}}.t_deployment_facts
    WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND {{scope}}
    GROUP BY key
),
leads AS (
    SELECT {{key}} AS key, quantileExactInclusive(0.5)(lead_hours) AS lead_p50, count() AS changes
    FROM {{db}}.t_changes
    WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND {{scope}} AND lead_hours > 0
    GROUP BY key
)
SELECT k.key AS key, k.team_name AS team, k.golden AS golden_path, k.services AS services, d.deployments AS deployments,
       round(d.deployments / {days:Float64} * 7, 2) AS per_week, round(k.n_p50 / {days:Float64} * 7, 2) AS per_service_per_week, d.failed_n AS failed,
       if(d.deployments = 0, NULL, round(d.failed_n / d.deployments, 4)) AS change_failure_rate,
       if(d.recovered = 0, NULL, round(d.recovery_p50, 2)) AS recovery_p50,
       if(d.deployments = 0, NULL, round(d.rework_n / d.deployments, 4)) AS rework_rate,
       if(l.changes = 0, NULL, round(l.lead_p50, 2)) AS lead_p50, l.changes AS changes
FROM keys AS k
LEFT JOIN deps AS d ON d.key = k.key
LEFT JOIN leads AS l ON l.key = k.key
ORDER BY d.deployments DESC, k.key
SETTINGS join_use_nulls = 0
