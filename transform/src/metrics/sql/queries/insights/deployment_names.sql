-- Repository, sha and pull requests of the given deployments, so a digest can name them as people do.
SELECT d.id AS id, any(d.repo) AS repo, any(d.sha) AS sha, arraySort(groupUniqArrayIf(assumeNotNull(c.pr_number), c.pr_number IS NOT NULL)) AS prs
FROM (SELECT id, repo, sha FROM {{db}}.t_deployments WHERE id IN {ids:Array(String)}) AS d
LEFT JOIN (SELECT deployment_id, pr_number FROM {{db}}.t_changes WHERE deployment_id IN {ids:Array(String)}) AS c ON c.deployment_id = d.id
GROUP BY d.id
SETTINGS join_use_nulls = 1
