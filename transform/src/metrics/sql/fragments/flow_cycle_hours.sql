-- A merged PR's cycle time in hours: first commit (or opening) to production deployment; NULL until deployed.
if(deployed_at IS NULL, NULL, dateDiff('millisecond', coalesce(first_commit_at, opened_at), assumeNotNull(deployed_at)) / 3600000)
