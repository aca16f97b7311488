-- Software templates: services created from each (catalog) and runs in the window (adoption events).
SELECT template, sum(services) AS services, sum(runs) AS runs FROM (
    SELECT assumeNotNull(source_template) AS template, count() AS services, 0 AS runs
    FROM {{db}}.catalog_entities FINAL
    WHERE source_template IS NOT NULL AND ({team:String} = '' OR ifNull(team, '') = {team:String})
    GROUP BY template
    UNION ALL
    SELECT assumeNotNull(template), 0, count()
    FROM {{db}}.adoption_events FINAL
    WHERE kind = 'template_run' AND template IS NOT NULL
      AND occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')} AND ({team:String} = '' OR ifNull(team, '') = {team:String})
    GROUP BY template
) GROUP BY template ORDER BY services DESC, template
