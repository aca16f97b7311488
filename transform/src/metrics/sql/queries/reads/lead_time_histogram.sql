-- How many changes (commits reaching production) fell in each lead-time bucket: bucket i (1-based) holds
-- lead times below edges[i] (and at or above edges[i-1]); 0 is past the last edge. slot scope: scopeWhere.
SELECT arrayFirstIndex(edge -> lead_hours < edge, {edges:Array(Float64)}) AS bucket, count() AS changes
FROM {{db}}.t_changes
WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND {{scope}} AND lead_hours > 0
GROUP BY bucket ORDER BY bucket
