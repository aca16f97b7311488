-- Repositories the catalog lists as GitLab projects (annotation gitlab.com/project-slug), for links.
SELECT DISTINCT ifNull(repo, '') AS repo
FROM {{db}}.catalog_entities FINAL
WHERE mapContains(annotations, 'gitlab.com/project-slug') AND repo IS NOT NULL
