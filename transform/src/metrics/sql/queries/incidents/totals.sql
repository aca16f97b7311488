-- All incidents opened in [from, to) in the filter, and how many of them are linked to a deployment. slot filter: as listed.sql.
SELECT count() AS incidents, countIf(id IN (SELECT assumeNotNull(incident_id) FROM {{db}}.t_failure_links WHERE incident_id IS NOT NULL)) AS linked
FROM {{db}}.t_incidents
WHERE opened_at >= {from:DateTime64(3, 'UTC')} AND opened_at < {to:DateTime64(3, 'UTC')} AND {{filter}}
