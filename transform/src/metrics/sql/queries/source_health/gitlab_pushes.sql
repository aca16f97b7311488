-- GitLab pushes whose Push Hook listed fewer commits than total_commits_count (GitLab sends the newest 20),
-- and how many of them the compare API completed. The normaliser records both as lines of `reason`
-- starting with the parameters truncatedPrefix and completedPrefix (source-health.ts).
SELECT countIf(is_truncated) AS truncated, countIf(is_completed) AS completed, greatest(truncated - completed, 0) AS not_fetched,
       if(truncated = 0, NULL, toString(maxIf(received_at, is_truncated))) AS last_truncated,
       if(truncated = 0, NULL, argMaxIf(delivery_id, received_at, is_truncated)) AS example_delivery
FROM (
    SELECT delivery_id, received_at,
           arrayExists((line) -> startsWith(line, {truncatedPrefix:String}), splitByChar('\n', reason)) AS is_truncated,
           arrayExists((line) -> startsWith(line, {completedPrefix:String}), splitByChar('\n', reason)) AS is_completed
    FROM {{db}}.raw_deliveries FINAL
    WHERE source = 'gitlab' AND outcome = 'ok' AND reason != ''
)
