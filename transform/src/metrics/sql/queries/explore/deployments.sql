-- Production deployments in the window, newest first (only failed ones when failedOnly; only those that shipped commits when withCommitsOnly). slot scope: scopeWhere.
SELECT id, service, team, repo, sha, deployed_at AS deployed_at, change_set_method, commits, failed, failure_methods,
       recovery_hours, rework, rework_reasons, golden_path, creator_login, workflow_name, url
FROM {{db}}.t_deployment_facts
WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND {{scope}} AND (NOT {failedOnly:Bool} OR failed) AND (NOT {withCommitsOnly:Bool} OR commits > 0)
ORDER BY deployed_at DESC, id
LIMIT {limit:UInt32}
