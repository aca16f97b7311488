prs,
if(coding_n = 0, NULL, round(coding_p50_raw, 2)) AS coding_p50, if(pickup_n = 0, NULL, round(pickup_p50_raw, 2)) AS pickup_p50,
if(review_n = 0, NULL, round(review_p50_raw, 2)) AS review_p50, if(deploy_n = 0, NULL, round(deploy_p50_raw, 2)) AS deploy_p50,
if(cycle_n = 0, NULL, round(cycle_p50_raw, 2)) AS cycle_p50
