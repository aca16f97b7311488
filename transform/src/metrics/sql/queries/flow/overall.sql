-- PR cycle time of the whole scope: the median of each stage (coding, pickup, review, deploy) and of the cycle.
SELECT 'all' AS team, {{> flow_stage_pick}}
FROM (
    SELECT {{> flow_stage_medians}}
    FROM {{db}}.t_pr_flow
    WHERE {{> flow_in_window}}
)
