-- The services of the one catalog (fragments/service_catalog.sql) as of the window, by team then name.
WITH {{> service_catalog}}
SELECT service, team, golden_path, in_catalog FROM service_catalog ORDER BY team, service
