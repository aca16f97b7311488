-- Developers per team estimated from pull requests merged in [from, to): each human author counts once,
-- for the team they merged most PRs in.
SELECT team, count() AS developers FROM (
    SELECT author, argMax(team, prs) AS team FROM (
        SELECT assumeNotNull(author_login) AS author, team, count() AS prs FROM {{db}}.t_pr_flow
        WHERE NOT author_bot AND author_login IS NOT NULL AND merged_at >= {from:DateTime64(3, 'UTC')} AND merged_at < {to:DateTime64(3, 'UTC')}
        GROUP BY author, team
    ) GROUP BY author
) GROUP BY team
