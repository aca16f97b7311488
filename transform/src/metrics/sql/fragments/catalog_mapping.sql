-- CTE `catalog (service, team, repo, path, golden_path)`: the catalog as mapping rows (repository + path prefix
-- → service → team, golden path), for the models that map deployments and incidents to services.
catalog AS (
    SELECT service, ifNull(team, 'unassigned') AS team, ifNull(repo, '') AS repo,
           replaceRegexpAll(ifNull(path, ''), '^/+|/+$', '') AS path,
           (source_template IS NOT NULL OR mapContains(annotations, 'backstage.io/source-template')) AS golden_path
    FROM {{db}}.catalog_entities FINAL
)
