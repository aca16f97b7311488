-- Incidents opened in [from, to), newest first, with their restore time and whether a person rejected their link.
-- slot filter: the page's team / service / severity / source predicates that are set (incidents.ts), or 1.
SELECT id, source, service, team, severity, title, status, opened_at, resolved_at, url,
       if(resolved_at IS NULL, NULL, dateDiff('millisecond', opened_at, assumeNotNull(resolved_at)) / 3600000) AS restore_hours,
       linked_deployment_ids, linked_shas,
       id IN (SELECT incident_id FROM {{db}}.failure_link_overrides FINAL WHERE verdict = 'reject') AS rejected
FROM {{db}}.t_incidents
WHERE opened_at >= {from:DateTime64(3, 'UTC')} AND opened_at < {to:DateTime64(3, 'UTC')} AND {{filter}}
ORDER BY opened_at DESC, id
LIMIT {limit:UInt32}
