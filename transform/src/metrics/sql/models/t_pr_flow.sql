-- t_pr_flow:
-- PR flow: coding (first commit → opened), pickup (→ first review by someone else, bots excluded), review (→
-- merge), deploy (→ first production deployment shipping it).
INSERT INTO {{db}}.t_pr_flow_next
WITH
prs AS (SELECT * FROM {{db}}.pull_requests FINAL WHERE state = 'merged' AND merged_at IS NOT NULL),
first_reviews AS (
    SELECT r.repo AS repo, r.pr_number AS number, min(r.submitted_at) AS first_review_at
    FROM {{db}}.reviews AS r FINAL
    INNER JOIN prs AS p ON p.repo = r.repo AND p.number = r.pr_number
    WHERE NOT r.reviewer_bot AND ifNull(r.reviewer_login, '') != ifNull(p.author_login, '') AND r.state != 'pending'
    GROUP BY r.repo, r.pr_number
),
pr_commit_shas AS (
    SELECT repo, number, sha FROM {{db}}.pull_request_commits
    UNION ALL
    SELECT repo, number, assumeNotNull(merge_commit_sha) FROM prs WHERE merge_commit_sha IS NOT NULL
    UNION ALL
    SELECT repo, number, assumeNotNull(head_sha) FROM prs WHERE head_sha IS NOT NULL
),
first_commits AS (
    SELECT s.repo AS repo, s.number AS number, min(c.authored_at) AS first_commit_at
    FROM pr_commit_shas AS s INNER JOIN {{db}}.commits AS c ON c.repo = s.repo AND c.sha = s.sha
    GROUP BY s.repo, s.number
),
shipped AS (
    SELECT s.repo AS repo, s.number AS number, argMin(d.id, d.deployed_at) AS deployment_id, min(d.deployed_at) AS deployed_at
    FROM pr_commit_shas AS s
    INNER JOIN {{db}}.t_change_set_commits AS cs ON cs.repo = s.repo AND cs.sha = s.sha
    INNER JOIN {{db}}.t_deployments AS d ON d.id = cs.deployment_id
    GROUP BY s.repo, s.number
),

{{> catalog_mapping}},
repo_services AS (SELECT repo, any(service) AS service, any(team) AS team FROM catalog WHERE repo != '' GROUP BY repo)
SELECT
    p.repo, p.number, p.title, p.author_login, p.author_bot,
    if(rs.service != '', rs.service, p.repo) AS service,
    if(rs.team != '', rs.team, 'unassigned') AS team,
    p.labels,
    coalesce(p.first_commit_at, if(fc.number = 0, NULL, fc.first_commit_at)) AS first_commit_at,
    p.opened_at,
    coalesce(p.first_review_at, if(fr.number = 0, NULL, fr.first_review_at)) AS first_review_at,
    assumeNotNull(p.merged_at) AS merged_at,
    if(sh.number = 0, NULL, sh.deployed_at) AS deployed_at,
    if(sh.number = 0, NULL, sh.deployment_id) AS deployment_id,
    if(first_commit_at IS NULL, NULL, greatest(0, dateDiff('second', first_commit_at, p.opened_at)) / 3600) AS coding_hours,
    if(first_review_at IS NULL, NULL, greatest(0, dateDiff('second', p.opened_at, first_review_at)) / 3600) AS pickup_hours,
    if(first_review_at IS NULL, NULL, greatest(0, dateDiff('second', first_review_at, assumeNotNull(p.merged_at))) / 3600) AS review_hours,
    if(deployed_at IS NULL, NULL, greatest(0, dateDiff('second', assumeNotNull(p.merged_at), deployed_at)) / 3600) AS deploy_hours
FROM prs AS p
LEFT JOIN first_reviews AS fr ON fr.repo = p.repo AND fr.number = p.number
LEFT JOIN first_commits AS fc ON fc.repo = p.repo AND fc.number = p.number
LEFT JOIN shipped AS sh ON sh.repo = p.repo AND sh.number = p.number
LEFT JOIN repo_services AS rs ON rs.repo = p.repo
SETTINGS join_use_nulls = 0
