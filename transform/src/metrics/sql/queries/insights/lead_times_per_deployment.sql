-- Per production deployment in the window, the lead times (hours, > 0) of its changes, as the DORA lead time
-- counts them (ROI's lead-time sample). slot scope: scopeWhere.
SELECT deployment_id, arraySort(groupArray(assumeNotNull(lead_hours))) AS leads
FROM {{db}}.t_changes
WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND {{scope}} AND lead_hours > 0
GROUP BY deployment_id ORDER BY deployment_id
