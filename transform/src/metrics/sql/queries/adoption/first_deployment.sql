-- Time from a service's creation to its first production deployment, golden path or not. Services created
-- before Paved's history starts (its first production deployment) are counted apart, in before_history.
WITH firsts AS (SELECT service, min(deployed_at) AS first_deployed FROM {{db}}.t_deployment_facts GROUP BY service),
     (SELECT min(deployed_at) FROM {{db}}.t_deployment_facts) AS history_start
SELECT (c.source_template IS NOT NULL OR mapContains(c.annotations, 'backstage.io/source-template')) AS golden_path,
       countIf(c.created_at >= history_start) AS services,
       if(services = 0, NULL, round(quantileExactInclusiveIf(0.5)(dateDiff('millisecond', assumeNotNull(c.created_at), f.first_deployed) / 3600000, c.created_at >= history_start), 2)) AS p50_hours,
       countIf(c.created_at < history_start) AS before_history
FROM {{db}}.catalog_entities AS c FINAL
INNER JOIN firsts AS f ON f.service = c.service
WHERE c.created_at IS NOT NULL AND f.first_deployed >= assumeNotNull(c.created_at)
  AND ({team:String} = '' OR ifNull(c.team, '') = {team:String})
GROUP BY golden_path ORDER BY golden_path DESC
