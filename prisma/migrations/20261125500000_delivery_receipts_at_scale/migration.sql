-- Delivery receipts at scale (issue 5 review): a message into a 10,000-member channel must cost
-- the same writes as one into a direct chat.

-- Delivered positions are gathered in Redis and flushed in batches (one statement per
-- conversation per interval). Moving only last_delivered_seq is not a change of the Participant
-- object, so it does not stamp modseq (otherwise every member's Participant/changes would list
-- the whole member list after each message). Any other change, including a read position (which
-- also raises last_delivered_seq), still stamps it.
DROP TRIGGER "participants_modseq" ON "participants";
CREATE TRIGGER "participants_modseq_insert" BEFORE INSERT ON "participants"
  FOR EACH ROW EXECUTE FUNCTION jchat_stamp_modseq();
CREATE TRIGGER "participants_modseq" BEFORE UPDATE ON "participants"
  FOR EACH ROW
  WHEN ((to_jsonb(OLD) - 'last_delivered_seq' - 'modseq') IS DISTINCT FROM (to_jsonb(NEW) - 'last_delivered_seq' - 'modseq'))
  EXECUTE FUNCTION jchat_stamp_modseq();

-- Read moves keep their row per move (one per reader action, not per message). Delivered moves
-- are no longer logged per participant: the flush writes one row per conversation per
-- interval, with no user (user_id NULL), spanning every position it moved.
CREATE OR REPLACE FUNCTION jchat_participant_receipt_changes() RETURNS trigger AS $$
DECLARE
  xact BIGINT := pg_current_xact_id()::text::bigint;
BEGIN
  IF NEW.is_active IS DISTINCT FROM OLD.is_active THEN
    RETURN NEW;
  END IF;
  IF NEW.last_read_seq <> OLD.last_read_seq THEN
    INSERT INTO message_receipt_changes (conversation_id, user_id, kind, from_seq, to_seq, modseq)
      VALUES (NEW.conversation_id, NEW.user_id, 'read',
              LEAST(OLD.last_read_seq, NEW.last_read_seq), GREATEST(OLD.last_read_seq, NEW.last_read_seq), xact);
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

ALTER TABLE "message_receipt_changes" ALTER COLUMN "user_id" DROP NOT NULL;

-- Receipt-change rows are pruned after a while (the purge timer); a Message/changes from a state
-- older than the pruned horizon answers cannotCalculateChanges.
ALTER TABLE "message_receipt_changes" ADD COLUMN "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
CREATE INDEX "message_receipt_changes_created_at_idx" ON "message_receipt_changes"("created_at");
CREATE TABLE "message_receipt_horizon" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "pruned_below" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "message_receipt_horizon_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "message_receipt_horizon_one_row" CHECK ("id" = 1)
);
INSERT INTO "message_receipt_horizon" ("id", "pruned_below") VALUES (1, 0);
