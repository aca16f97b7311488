-- Merged PRs in the window with their four stages, for CSV export (bots left out, as in the flow metrics).
SELECT repo, number, title, team, service, author_login, labels, opened_at, first_review_at, merged_at, deployed_at, deployment_id,
       round(coding_hours, 2) AS coding_hours, round(pickup_hours, 2) AS pickup_hours, round(review_hours, 2) AS review_hours, round(deploy_hours, 2) AS deploy_hours
FROM {{db}}.t_pr_flow
WHERE merged_at >= {from:DateTime64(3, 'UTC')} AND merged_at < {to:DateTime64(3, 'UTC')} AND NOT author_bot AND ({team:String} = '' OR team = {team:String})
ORDER BY merged_at DESC
LIMIT 200000
