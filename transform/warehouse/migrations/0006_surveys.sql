-- Survey campaigns: one survey version sent to an audience of teams between two dates, with a
-- reminder schedule. Closing early sets closed_at; the newest row per id wins.
CREATE TABLE IF NOT EXISTS {{db}}.survey_campaigns {{on_cluster}}
(
    id String,
    survey_id String,
    survey_version UInt32,
    title String,
    audience Array(String),
    opens_at DateTime64(3, 'UTC'),
    closes_at DateTime64(3, 'UTC'),
    reminders Array(DateTime64(3, 'UTC')),
    closed_at Nullable(DateTime64(3, 'UTC')),
    created_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY id;

-- Invites, as far as Paved needs them: a keyed one-way hash of the link's random id, the team and
-- when the batch went out. No email, no token and nothing about any response (surveys/src/tokens.ts).
CREATE TABLE IF NOT EXISTS {{db}}.survey_invites {{on_cluster}}
(
    campaign_id String,
    invite_key String,
    team String,
    sent_at DateTime64(3, 'UTC'),
    reminded_at Nullable(DateTime64(3, 'UTC')),
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (campaign_id, invite_key);

-- Answers saved from the form before the respondent submits them; results never read this table.
-- Same shape and key as survey_responses (the response id is a keyed hash of the link, see above).
CREATE TABLE IF NOT EXISTS {{db}}.survey_response_drafts {{on_cluster}}
(
    id String,
    campaign_id String,
    survey_id String,
    survey_version UInt32,
    team String,
    tenure Nullable(String),
    role Nullable(String),
    answers Map(String, Nullable(Float64)),
    free_text Map(String, String),
    saved_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(saved_at)
ORDER BY (campaign_id, id);
