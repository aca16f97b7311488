-- Incidents behind a number: those linked to the given deployments, and for recovery (without one
-- deployment asked for) every incident opened in the window and scope. slot scope: scopeWhere.
SELECT id, source, service, team, severity, title, status, opened_at AS opened_at, resolved_at AS resolved_at, url,
       if(resolved_at IS NULL, NULL, dateDiff('millisecond', opened_at, assumeNotNull(resolved_at)) / 3600000) AS restore_hours
FROM {{db}}.t_incidents
WHERE (id IN (SELECT assumeNotNull(incident_id) FROM {{db}}.t_failure_links WHERE deployment_id IN {ids:Array(String)} AND incident_id IS NOT NULL))
   OR ({metric:String} = 'recovery' AND {only:String} = '' AND opened_at >= {from:DateTime64(3, 'UTC')} AND opened_at < {to:DateTime64(3, 'UTC')} AND {{scope}})
ORDER BY opened_at DESC
LIMIT 1000
