-- Per team: services of the catalog (all, on the golden path, the share) and production deployments in the window
-- (all, on the golden path, through the platform's pipeline). Teams of the catalog only.
WITH
-- The one service catalog (catalog.ts), as the DORA ranking and frequency levels count it.
{{> service_catalog}},
services AS (SELECT service, team, golden_path AS golden FROM service_catalog),
deps AS (
    SELECT team, count() AS deployments, countIf(golden_path) AS golden_deployments, countIf(via_platform) AS platform_deployments
    FROM {{db}}.t_deployment_facts WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} GROUP BY team
)
SELECT s.team AS team, count() AS services, countIf(s.golden) AS golden_services, round(countIf(s.golden) / count(), 4) AS golden_share,
       any(d.deployments) AS deployments, any(d.golden_deployments) AS golden_deployments, any(d.platform_deployments) AS platform_deployments
FROM services AS s LEFT JOIN deps AS d ON d.team = s.team
WHERE ({team:String} = '' OR s.team = {team:String})
GROUP BY s.team ORDER BY golden_share DESC, s.team
SETTINGS join_use_nulls = 0
