-- Examples of commits with unknown files counted for the services of their repository.
SELECT repo, sha, groupArray(service) AS services, min(deployment_id) AS deployment_id
FROM {{db}}.t_change_set_commits
WHERE attribution = 'assumed'
GROUP BY repo, sha ORDER BY repo, sha
LIMIT {examples:UInt32}
