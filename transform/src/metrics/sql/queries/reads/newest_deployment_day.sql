-- The day of the newest production deployment the metrics know (NULL before the first transform).
SELECT if(count() = 0, NULL, toString(toDate(max(deployed_at)))) AS day FROM {{db}}.t_deployment_facts
