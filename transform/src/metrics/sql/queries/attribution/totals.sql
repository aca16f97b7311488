-- Path-aware change sets' data health (docs/metrics.md, "Change set"): commits that count for no service of
-- their monorepo, commits counted at the repository level because their files are unknown (an assumption),
-- and change sets whose push-chain walk stopped at a force push.
SELECT (SELECT count() FROM {{db}}.t_uncounted_commits) AS uncounted,
       (SELECT uniqExact(repo, sha) FROM {{db}}.t_change_set_commits WHERE attribution = 'assumed') AS assumed,
       (SELECT count() FROM {{db}}.t_change_sets WHERE stopped_at = 'force_push') AS force_push
