-- The delivered-position flush at the size of a channel (issue 9: a message into a 10,000-member
-- channel). `npm run bench -- delivered-flush` (a flush moving all 10,000 members, two
-- read-position updates before each): p50 399 ms before, 176 ms after; HOT updates 2 % before,
-- 100 % after; the participants table with its indexes 49.7 MiB before, 8.0 MiB after.
--
-- 1. jchat_flush_delivered summed what it moved by joining its `behind` and `written` CTEs. The
--    planner can take neither CTE's size from its arguments and may join them with a nested loop:
--    members squared comparisons (2.2 million per flush at 1,500 members in
--    test/integration/messaging-receipts-scale.test.ts; in a pgbench run at 10,000, 1.95 s of
--    every flush, with the conversation locked against sends throughout, and 213 ms without the
--    join). The UPDATE now returns the positions it moved itself.
-- 2. Room on every page for a row's next version: an update that changes no indexed column is
--    then HOT (no new entry in any of the table's five indexes). Delivered positions move for
--    every member every second in a busy conversation. Applies to pages written from now on
--    (VACUUM FULL or pg_repack rewrites an existing table).
-- 3. The participant triggers that only act when membership or the read position changes are not
--    even called otherwise (a WHEN clause, the same test they make first), so a delivered-position
--    update runs no PL/pgSQL and queues no AFTER trigger event (212 → 169 ms in that pgbench
--    run). Same names, so the same firing order (BEFORE triggers run by name).

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
    RETURNING behind.old_seq, behind.seq
  )
  SELECT min(old_seq), max(seq) INTO moved_from, moved_to FROM written;
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
-- CREATE OR REPLACE resets what 20261202400000_send_path_plans_on_indexes set.
ALTER FUNCTION jchat_flush_delivered(uuid, uuid[], bigint[], integer) SET enable_seqscan = off;

ALTER TABLE participants SET (fillfactor = 70);

DROP TRIGGER participants_membership_modseq ON participants;
CREATE TRIGGER participants_membership_modseq BEFORE INSERT ON participants
  FOR EACH ROW EXECUTE FUNCTION jchat_stamp_membership_modseq();
CREATE TRIGGER participants_membership_modseq_update BEFORE UPDATE ON participants
  FOR EACH ROW WHEN (NEW.is_active IS DISTINCT FROM OLD.is_active)
  EXECUTE FUNCTION jchat_stamp_membership_modseq();

-- jchat_participant_read_seq does nothing more on an update than keep the delivered position at
-- or past the read one, unless the read message changed.
DROP TRIGGER participants_read_seq ON participants;
CREATE TRIGGER participants_read_seq BEFORE INSERT ON participants
  FOR EACH ROW EXECUTE FUNCTION jchat_participant_read_seq();
CREATE TRIGGER participants_read_seq_update BEFORE UPDATE ON participants
  FOR EACH ROW WHEN (NEW.last_read_message_id IS DISTINCT FROM OLD.last_read_message_id
                     OR NEW.last_delivered_seq < NEW.last_read_seq)
  EXECUTE FUNCTION jchat_participant_read_seq();

DROP TRIGGER participants_receipt_changes ON participants;
CREATE TRIGGER participants_receipt_changes AFTER UPDATE ON participants
  FOR EACH ROW WHEN (NEW.last_read_seq <> OLD.last_read_seq
                     AND NEW.is_active IS NOT DISTINCT FROM OLD.is_active)
  EXECUTE FUNCTION jchat_participant_receipt_changes();
