-- A batch of sends, its outbox rows, its commit and the sync horizon after it, in one round trip
-- (issue 9). The senders' replies need a state that covers their messages, which only a read
-- after the commit gives; as a statement of its own it was a second round trip per batch, and at
-- a low rate every round trip waits for the processes on both ends to wake up. A procedure may
-- commit and go on (CALL outside a transaction block, as the pool runs it), so it reads the
-- horizon in the transaction that follows its commit, as the separate statement did.
--
-- Input: the batch of jchat_send_messages, the outbox service and the payloads to stage with it
-- (one per conversation, in order). Output (INOUT): `results`, a JSON array of
-- {idx, outcome, message} rows of jchat_send_messages; `outbox_ids`, the staged rows' ids in
-- staging order; `horizon` and `fingerprint` as the separate horizon read gave them.
-- An error before the commit rolls everything back, as the single statement did.
CREATE OR REPLACE PROCEDURE jchat_send_messages_committed(
  batch jsonb,
  outbox_service text,
  outbox_payloads jsonb,
  INOUT results jsonb DEFAULT NULL,
  INOUT outbox_ids jsonb DEFAULT NULL,
  INOUT horizon text DEFAULT NULL,
  INOUT fingerprint text DEFAULT NULL)
LANGUAGE plpgsql AS $$
BEGIN
  SELECT COALESCE(jsonb_agg(jsonb_build_object('idx', s.idx, 'outcome', s.outcome,
                                               'message', s.message)), '[]')
    INTO results
    FROM jchat_send_messages(batch) AS s;

  WITH staged AS (
    INSERT INTO event_outbox (service, payload)
    SELECT outbox_service, p.payload
      FROM jsonb_array_elements(outbox_payloads) WITH ORDINALITY AS p(payload, n)
     ORDER BY p.n
    RETURNING id)
  SELECT COALESCE(jsonb_agg(staged.id::text ORDER BY staged.id), '[]') INTO outbox_ids FROM staged;

  COMMIT;

  SELECT pg_snapshot_xmin(s)::text, substr(md5(s::text), 1, 8)
    INTO horizon, fingerprint
    FROM pg_current_snapshot() AS s;
END;
$$;
