-- The group-size threshold (k) each survey campaign's answers were first released with. A released
-- campaign is always published with that k: reading one campaign at two thresholds (say k = 3, then
-- k = 4 after a change of `surveys.minGroupSize`) gives two publications, each safe alone, whose
-- figures can be subtracted to isolate one person (docs/surveys-anonymity.md). The first row per
-- campaign wins (surveys/src/store.ts reads the earliest); later rows are ignored.
CREATE TABLE IF NOT EXISTS {{db}}.survey_publications {{on_cluster}}
(
    campaign_id String,
    min_group_size UInt16,
    released_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (campaign_id, released_at);
