-- PR cycle time per team, slowest cycle first.
SELECT team, {{> flow_stage_pick}}
FROM (
    SELECT team, {{> flow_stage_medians}}
    FROM {{db}}.t_pr_flow
    WHERE {{> flow_in_window}}
    GROUP BY team
)
ORDER BY cycle_p50 DESC NULLS LAST, team
