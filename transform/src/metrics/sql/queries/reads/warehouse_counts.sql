-- What has arrived at all, so empty pages can say which source to connect next.
SELECT
  (SELECT count() FROM {{db}}.raw_deliveries FINAL) AS deliveries,
  (SELECT count() FROM {{db}}.t_deployment_facts) AS deployments,
  (SELECT count() FROM {{db}}.t_pr_flow) AS prs,
  (SELECT count() FROM {{db}}.t_incidents) AS incidents,
  (SELECT count() FROM {{db}}.catalog_entities FINAL) AS catalog,
  (SELECT if(count() = 0, NULL, toString(toDate(min(deployed_at)))) FROM {{db}}.t_deployment_facts) AS first_deployment
