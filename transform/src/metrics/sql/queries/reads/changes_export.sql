-- Every change (commit reaching production) in the window, for CSV export; only the deployment named by the deployment parameter when it is set.
-- slot scope: scopeWhere.
SELECT deployment_id, service, team, repo, sha, via, deployed_at, authored_at, round(lead_hours, 2) AS lead_hours, is_revert, pr_number, fix_pr
FROM {{db}}.t_changes
WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND {{scope}}
  AND ({deployment:String} = '' OR deployment_id = {deployment:String})
ORDER BY deployed_at DESC, deployment_id, lead_hours DESC
LIMIT {limit:UInt32}
