-- The Overview's Data freshness card: dead letters not replayed yet.
SELECT count() AS n FROM {{db}}.dead_letters FINAL WHERE replayed_at IS NULL
