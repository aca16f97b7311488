-- Admin overrides of the ROI assumptions (`roi` in paved.config.yaml) and of per-team developer
-- counts (`catalog.teams[].developers`). One row per change; the newest row per key wins, and an
-- empty value clears the override (the config value applies again).
-- Keys: roi.costPerEngineeringHour, roi.currency, roi.workingWeeksPerYear,
-- roi.peopleInvolvedPerFailure, team.<team name>.developers.
CREATE TABLE IF NOT EXISTS {{db}}.roi_assumptions {{on_cluster}}
(
    key String,
    value String,
    set_by String,
    set_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(set_at)
ORDER BY key;
