-- t_changes:
-- Change-set commits with their times and flags, the rows behind lead time and rework.
INSERT INTO {{db}}.t_changes_next
WITH
stood_in AS (SELECT DISTINCT deployment_id, assumeNotNull(stands_in_for) AS sha FROM {{db}}.t_change_set_commits WHERE stands_in_for IS NOT NULL),
prs AS (SELECT repo, number, labels, merge_commit_sha, head_sha FROM {{db}}.pull_requests FINAL WHERE state = 'merged'),
pr_of_commit AS (
    SELECT repo, sha, min(number) AS number, max(fix) AS fix FROM (
        SELECT repo, assumeNotNull(merge_commit_sha) AS sha, number, hasAny(arrayMap(l -> lower(l), labels), {fixLabels:Array(String)}) AS fix FROM prs WHERE merge_commit_sha IS NOT NULL
        UNION ALL
        SELECT repo, assumeNotNull(head_sha), number, hasAny(arrayMap(l -> lower(l), labels), {fixLabels:Array(String)}) FROM prs WHERE head_sha IS NOT NULL
        UNION ALL
        SELECT c.repo, c.sha, c.number, hasAny(arrayMap(l -> lower(l), p.labels), {fixLabels:Array(String)})
        FROM {{db}}.pull_request_commits AS c INNER JOIN prs AS p ON p.repo = c.repo AND p.number = c.number
    ) GROUP BY repo, sha
),
commit_info AS (SELECT repo, sha, authored_at, reverts_sha IS NOT NULL AS is_revert FROM {{db}}.commits FINAL)
SELECT
    cs.deployment_id, cs.service, d.team, d.golden_path, d.deployed_at, cs.repo, cs.sha, cs.via,
    if(ci.sha = '', NULL, ci.authored_at) AS authored_at,
    if(ci.sha = '' OR si.sha != '', NULL, dateDiff('millisecond', ci.authored_at, d.deployed_at) / 3600000) AS lead_hours,
    ci.is_revert AS is_revert,
    if(pc.sha = '', NULL, pc.number) AS pr_number,
    pc.fix AS fix_pr
FROM {{db}}.t_change_set_commits AS cs
INNER JOIN {{db}}.t_deployments AS d ON d.id = cs.deployment_id
LEFT JOIN commit_info AS ci ON ci.repo = cs.repo AND ci.sha = cs.sha
LEFT JOIN stood_in AS si ON si.deployment_id = cs.deployment_id AND si.sha = cs.sha
LEFT JOIN pr_of_commit AS pc ON pc.repo = cs.repo AND pc.sha = cs.sha
SETTINGS join_use_nulls = 0
