-- The 25 slowest merged PRs: by cycle time, or for PRs not deployed yet by the time from first commit to merge.
SELECT repo, number, title, team, author_login, merged_at AS merged_at, round(coding_hours, 2) AS coding_hours, round(pickup_hours, 2) AS pickup_hours,
       round(review_hours, 2) AS review_hours, round(deploy_hours, 2) AS deploy_hours, round({{> flow_cycle_hours}}, 2) AS cycle_hours, deployment_id
FROM {{db}}.t_pr_flow
WHERE {{> flow_in_window}}
ORDER BY coalesce({{> flow_cycle_hours}}, dateDiff('millisecond', coalesce(first_commit_at, opened_at), merged_at) / 3600000) DESC
LIMIT 25
