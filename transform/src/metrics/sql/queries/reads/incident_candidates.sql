-- Incidents a person might link to a deployment: its service's, opened in the week after it.
SELECT i.id AS id, i.title AS title, i.severity AS severity, i.opened_at AS opened_at, i.service AS service
FROM {{db}}.t_incidents AS i
INNER JOIN (SELECT service, deployed_at FROM {{db}}.t_deployment_facts WHERE id = {id:String} LIMIT 1) AS d ON d.service = i.service
WHERE i.opened_at >= d.deployed_at AND i.opened_at < d.deployed_at + INTERVAL 7 DAY
ORDER BY i.opened_at
LIMIT 50
