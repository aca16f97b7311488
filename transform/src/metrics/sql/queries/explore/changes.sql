-- The change sets of the given deployments: each commit with its lead time, how it was found, and its message.
SELECT c.deployment_id AS deployment_id, c.sha AS sha, c.via AS via, c.authored_at AS authored_at, c.lead_hours AS lead_hours,
       c.is_revert AS is_revert, c.pr_number AS pr_number, c.fix_pr AS fix_pr,
       -- A commit Paved holds no row of (history not backfilled) has no message: empty, which the page shows as unknown.
       ifNull(substring(m.message, 1, 200), '') AS message, m.author_login AS author
FROM {{db}}.t_changes AS c
-- A commit's copies are identical: any() over the few matching rows is far cheaper than FINAL over the table.
LEFT JOIN (SELECT repo, sha, any(message) AS message, any(author_login) AS author_login FROM {{db}}.commits
           WHERE sha IN (SELECT sha FROM {{db}}.t_changes WHERE deployment_id IN {ids:Array(String)}) GROUP BY repo, sha) AS m
  ON m.repo = c.repo AND m.sha = c.sha
WHERE c.deployment_id IN {ids:Array(String)}
ORDER BY c.deployed_at DESC, c.lead_hours DESC
LIMIT 2000
SETTINGS join_use_nulls = 1
