-- The DORA statements' lead-time and incident parts (l, r), each table read once; slot scope: scopeWhere.
(SELECT count() AS changes, if(count() = 0, [], quantilesExactInclusive(0.5, 0.75, 0.9)(lead_hours)) AS lead_quantiles
     FROM {{db}}.t_changes WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND {{scope}} AND lead_hours > 0) AS l
CROSS JOIN
    (SELECT count() AS incidents, if(count() = 0, NULL, quantileExactInclusive(0.5)(dateDiff('millisecond', opened_at, assumeNotNull(resolved_at)) / 3600000)) AS restore_p50
     FROM {{db}}.t_incidents
     WHERE opened_at >= {from:DateTime64(3, 'UTC')} AND opened_at < {to:DateTime64(3, 'UTC')} AND resolved_at IS NOT NULL AND {{scope}}) AS r
