-- One lock order for every writer (issue 10; docs/ENGINEERING.md "Locks"): a conversation's row
-- first, then its messages, then its participants, then the receipt and change logs. The
-- delivered-position flush used to lock participants first and the conversation last (the
-- foreign key of its message_receipt_changes row takes KEY SHARE on it), which deadlocked with a
-- removal holding the conversation and waiting for the same participant.
--
-- The flush, in one round trip, in that order: holds the conversation (FOR NO KEY UPDATE, as a
-- send or a membership change does, so they take turns with it), moves forward the delivered
-- positions of active members that are behind, logs one receipt change spanning every move, and
-- returns the senders of the messages passed (at most the latest `span`), whose deliveryStatus
-- may have changed. No rows when nothing moved (or the conversation is gone). Moving only
-- last_delivered_seq does not stamp the participants' modseq (see 20261125500000).
CREATE OR REPLACE FUNCTION jchat_flush_delivered(target uuid, user_ids uuid[], seqs bigint[], span integer)
RETURNS TABLE (sender uuid)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  moved_from bigint;
  moved_to bigint;
BEGIN
  PERFORM 1 FROM conversations c WHERE c.id = target FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;

  WITH wanted AS (
    SELECT * FROM unnest(user_ids, seqs) AS w(user_id, seq)
  ), behind AS (
    SELECT p.id, p.last_delivered_seq AS old_seq, w.seq
      FROM participants p JOIN wanted w ON w.user_id = p.user_id
     WHERE p.conversation_id = target AND p.is_active AND p.last_delivered_seq < w.seq
     ORDER BY p.id
       FOR UPDATE OF p
  ), written AS (
    UPDATE participants p SET last_delivered_seq = behind.seq FROM behind WHERE p.id = behind.id
    RETURNING p.id
  )
  SELECT min(behind.old_seq), max(behind.seq) INTO moved_from, moved_to
    FROM behind JOIN written ON written.id = behind.id;
  IF moved_from IS NULL THEN
    RETURN;
  END IF;

  INSERT INTO message_receipt_changes (conversation_id, user_id, kind, from_seq, to_seq, modseq)
  VALUES (target, NULL, 'delivered', moved_from, moved_to, pg_current_xact_id()::text::bigint);

  RETURN QUERY
    SELECT DISTINCT passed.sender_id FROM (
      SELECT m.sender_id FROM messages m
       WHERE m.conversation_id = target AND m.seq > moved_from AND m.seq <= moved_to
       ORDER BY m.seq DESC LIMIT span) AS passed;
END;
$$;
