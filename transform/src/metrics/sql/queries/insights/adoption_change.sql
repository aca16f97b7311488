-- Production deployments on the golden path and through the platform's pipeline, in [from, to) and in the
-- period before it, [previous, from): the same flags as adoption's headline, in one pass.
SELECT countIf(deployed_at >= {from:DateTime64(3, 'UTC')}) AS deployments,
       countIf(deployed_at >= {from:DateTime64(3, 'UTC')} AND golden_path) AS golden,
       countIf(deployed_at >= {from:DateTime64(3, 'UTC')} AND via_platform) AS platform,
       countIf(deployed_at < {from:DateTime64(3, 'UTC')}) AS previous_deployments,
       countIf(deployed_at < {from:DateTime64(3, 'UTC')} AND golden_path) AS previous_golden,
       countIf(deployed_at < {from:DateTime64(3, 'UTC')} AND via_platform) AS previous_platform
FROM {{db}}.t_deployment_facts
WHERE deployed_at >= {previous:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND ({team:String} = '' OR team = {team:String})
