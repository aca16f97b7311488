-- When a production deployment happened, so a drill-down link can open a window that contains it.
SELECT id, deployed_at, service FROM {{db}}.t_deployment_facts WHERE id = {id:String} LIMIT 1
