-- Data health: deployment references written on incidents that match no production deployment begun by the time the incident opened
-- (docs/metrics.md, "Incident references"), with up to five examples.
WITH {{> incident_references}}
SELECT count() AS unresolved, groupArray(5)(concat(incident_id, ' names ', ref)) AS examples
FROM (SELECT DISTINCT incident_id, ref FROM incident_refs)
WHERE (incident_id, ref) NOT IN (SELECT incident_id, ref FROM resolved_references)
