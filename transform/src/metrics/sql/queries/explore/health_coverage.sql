-- Data health: change-set coverage and mapping gaps.
SELECT
  (SELECT count() FROM {{db}}.t_deployment_facts) AS deployments,
  (SELECT countIf(change_set_method NOT IN ('unknown')) FROM {{db}}.t_deployment_facts) AS with_change_set,
  (SELECT countIf(service_via IN ('catalog', 'sender', 'override')) FROM {{db}}.t_deployments WHERE is_production AND status = 'success') AS mapped_by_catalog,
  (SELECT groupUniqArray(50)(repo) FROM {{db}}.t_deployments WHERE service_via IN ('repo', 'unknown')) AS unmapped_repos,
  (SELECT count() FROM {{db}}.t_incidents WHERE service = 'unknown') AS unmapped_incidents
