-- Production deployments per Monday-starting week, with the shares on the golden path and through the platform's pipeline.
SELECT toString(toMonday(deployed_at)) AS week, count() AS deployments, round(countIf(golden_path) / count(), 4) AS golden_share, round(countIf(via_platform) / count(), 4) AS platform_share
FROM {{db}}.t_deployment_facts
WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND ({team:String} = '' OR team = {team:String})
GROUP BY week ORDER BY week
