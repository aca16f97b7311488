-- Examples of commits that count for no service (with up to five of their files), for a person to look up.
SELECT repo, sha, arraySlice(files, 1, 5) AS files, deployment_id
FROM {{db}}.t_uncounted_commits
ORDER BY repo, sha
LIMIT {examples:UInt32}
