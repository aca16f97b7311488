-- The deployments the given incidents are linked to, with method, evidence and the deployment's own failure methods.
SELECT assumeNotNull(l.incident_id) AS incident_id, l.deployment_id AS deployment_id, l.method AS method, l.evidence AS evidence,
       f.service AS service, f.team AS team, f.repo AS repo, f.sha AS sha, f.deployed_at AS deployed_at, f.failure_methods AS failure_methods
FROM {{db}}.t_failure_links AS l
INNER JOIN {{db}}.t_deployment_facts AS f ON f.id = l.deployment_id
WHERE l.incident_id IN {ids:Array(String)}
ORDER BY f.deployed_at DESC, l.deployment_id, l.method
