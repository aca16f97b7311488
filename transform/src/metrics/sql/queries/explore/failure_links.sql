-- The failure links of the given deployments, with method and evidence.
SELECT deployment_id, method, incident_id, other_deployment_id, evidence
FROM {{db}}.t_failure_links
WHERE deployment_id IN {ids:Array(String)}
ORDER BY deployment_id, method
