-- Survey invitations and reminders Paved sent by e-mail: counts per batch and team only. No address,
-- no link: a link is generated, sent and forgotten in one step (surveys/src/mail.ts).
CREATE TABLE IF NOT EXISTS {{db}}.survey_mailings {{on_cluster}}
(
    campaign_id String,
    mailing_id String,
    kind LowCardinality(String),
    team String,
    sent UInt32,
    failed UInt32,
    uncertain UInt32,
    at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (campaign_id, mailing_id, kind, team);
