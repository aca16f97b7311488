-- Data health: what normalisers assumed about fields senders left out, per source, event and assumption,
-- with an example delivery. Accepted deliveries keep their assumptions in reason, one per line (ingest/src/receive.ts).
SELECT source, event, assumption, uniqExact(delivery_id) AS deliveries, argMax(delivery_id, received_at) AS example_delivery,
       substring(argMax(payload, received_at), 1, 300) AS example_payload, toString(max(received_at)) AS last_seen
FROM (SELECT source, event, delivery_id, received_at, payload, arrayJoin(splitByChar('\n', reason)) AS assumption
      FROM {{db}}.raw_deliveries WHERE outcome = 'ok' AND reason != '')
WHERE assumption != ''
GROUP BY source, event, assumption ORDER BY deliveries DESC, source, event, assumption LIMIT 100
