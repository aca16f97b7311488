-- The count of PRs and each stage's median with the number of PRs that have the stage (a median of nothing is NULL, see flow_stage_pick).
count() AS prs,
quantileExactInclusiveIf(0.5)(assumeNotNull(coding_hours), coding_hours IS NOT NULL) AS coding_p50_raw, countIf(coding_hours IS NOT NULL) AS coding_n,
quantileExactInclusiveIf(0.5)(assumeNotNull(pickup_hours), pickup_hours IS NOT NULL) AS pickup_p50_raw, countIf(pickup_hours IS NOT NULL) AS pickup_n,
quantileExactInclusiveIf(0.5)(assumeNotNull(review_hours), review_hours IS NOT NULL) AS review_p50_raw, countIf(review_hours IS NOT NULL) AS review_n,
quantileExactInclusiveIf(0.5)(assumeNotNull(deploy_hours), deploy_hours IS NOT NULL) AS deploy_p50_raw, countIf(deploy_hours IS NOT NULL) AS deploy_n,
quantileExactInclusiveIf(0.5)(assumeNotNull({{> flow_cycle_hours}}), deployed_at IS NOT NULL) AS cycle_p50_raw, countIf(deployed_at IS NOT NULL) AS cycle_n
