-- For each given incident (mapped to a service), its service's last five production deployments in the 7 days
-- before it opened: why an unlinked incident was not linked by timing.
SELECT i.id AS incident_id, d.id AS deployment_id, d.service AS service, d.sha AS sha, d.deployed_at AS deployed_at,
       round(dateDiff('millisecond', d.deployed_at, i.opened_at) / 3600000, 2) AS hours_before
FROM (SELECT id, service, opened_at FROM {{db}}.t_incidents WHERE id IN {ids:Array(String)} AND service != 'unknown') AS i
INNER JOIN (SELECT id, service, sha, deployed_at FROM {{db}}.t_deployment_facts
            WHERE service IN (SELECT service FROM {{db}}.t_incidents WHERE id IN {ids:Array(String)})) AS d ON d.service = i.service
WHERE d.deployed_at <= i.opened_at AND d.deployed_at > i.opened_at - INTERVAL 7 DAY
ORDER BY i.id, d.deployed_at DESC, d.id
LIMIT 5 BY i.id
