-- An initiative's difference in differences, lead-time side: per group and period, changes and lead time p50.
SELECT toUInt8(has({teams:Array(String)}, team) OR has({services:Array(String)}, service)) AS treated,
       toUInt8(deployed_at >= {start:DateTime64(3, 'UTC')}) AS after,
       count() AS changes, quantileExactInclusive(0.5)(lead_hours) AS lead_p50
FROM {{db}}.t_changes
WHERE deployed_at >= {before:DateTime64(3, 'UTC')} AND deployed_at < {end:DateTime64(3, 'UTC')} AND lead_hours > 0
GROUP BY treated, after
