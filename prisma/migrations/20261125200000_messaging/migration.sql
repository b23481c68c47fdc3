-- Messaging (issue 5): sync bookkeeping for Message/changes, receipts derived from read
-- positions, attachment lookups and chunked blob uploads.

-- The transaction that created a message: /changes reports a message as "created" when this
-- lies past the client's state, as "updated" otherwise.
ALTER TABLE "messages" ADD COLUMN "created_modseq" BIGINT NOT NULL DEFAULT 0;
CREATE OR REPLACE FUNCTION jchat_stamp_message_created_modseq() RETURNS trigger AS $$
BEGIN
  NEW.created_modseq := pg_current_xact_id()::text::bigint;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER messages_created_modseq BEFORE INSERT ON "messages" FOR EACH ROW EXECUTE FUNCTION jchat_stamp_message_created_modseq();

-- Message/changes first asks whether the account joined or left a conversation since the state.
CREATE INDEX "participants_user_id_membership_modseq_idx" ON "participants"("user_id", "membership_modseq");

-- Attachments are found by blob id (download permission, purge of unreferenced blobs).
CREATE INDEX "messages_attachments_idx" ON "messages" USING GIN ("attachments" jsonb_path_ops);

-- A participant's read position is kept as a message id (the JMAP property) and as that
-- message's seq (for arithmetic: unread = last_message_seq - last_read_seq). Whoever writes
-- last_read_message_id (Participant/set, Message/set markRead), the seq follows it here, and
-- "delivered" is never behind "read".
CREATE OR REPLACE FUNCTION jchat_participant_read_seq() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.last_read_message_id IS NOT NULL THEN
      NEW.last_read_seq := COALESCE(
        (SELECT m.seq FROM messages m WHERE m.id = NEW.last_read_message_id AND m.conversation_id = NEW.conversation_id),
        NEW.last_read_seq);
    END IF;
  ELSIF NEW.last_read_message_id IS DISTINCT FROM OLD.last_read_message_id THEN
    IF NEW.last_read_message_id IS NULL THEN
      NEW.last_read_seq := 0;
    ELSE
      NEW.last_read_seq := COALESCE(
        (SELECT m.seq FROM messages m WHERE m.id = NEW.last_read_message_id AND m.conversation_id = NEW.conversation_id),
        0);
    END IF;
  END IF;
  NEW.last_delivered_seq := GREATEST(NEW.last_delivered_seq, NEW.last_read_seq);
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER participants_read_seq BEFORE INSERT OR UPDATE ON "participants" FOR EACH ROW EXECUTE FUNCTION jchat_participant_read_seq();

-- One row per move of a read or delivered position (never one per message or recipient), not
-- counting joins and leaves:
-- the messages with seq in (from_seq, to_seq] changed readBy (kind 'read', seen by everyone)
-- or deliveryStatus (kind 'delivered', seen by their sender), so Message/changes can report
-- them without a write per message.
CREATE TABLE "message_receipt_changes" (
    "id" BIGSERIAL NOT NULL,
    "conversation_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "from_seq" BIGINT NOT NULL,
    "to_seq" BIGINT NOT NULL,
    "modseq" BIGINT NOT NULL,
    CONSTRAINT "message_receipt_changes_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "message_receipt_changes_kind_check" CHECK ("kind" IN ('read', 'delivered'))
);
CREATE INDEX "message_receipt_changes_conversation_id_modseq_idx" ON "message_receipt_changes"("conversation_id", "modseq");
ALTER TABLE "message_receipt_changes" ADD CONSTRAINT "message_receipt_changes_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE OR REPLACE FUNCTION jchat_participant_receipt_changes() RETURNS trigger AS $$
DECLARE
  xact BIGINT := pg_current_xact_id()::text::bigint;
BEGIN
  -- A join or leave moves positions too, but readBy and deliveryStatus only count members who
  -- were there when a message arrived: nothing to report (and a join of a long channel would
  -- otherwise mark its whole history changed).
  IF NEW.is_active IS DISTINCT FROM OLD.is_active THEN
    RETURN NEW;
  END IF;
  IF NEW.last_read_seq <> OLD.last_read_seq THEN
    INSERT INTO message_receipt_changes (conversation_id, user_id, kind, from_seq, to_seq, modseq)
      VALUES (NEW.conversation_id, NEW.user_id, 'read',
              LEAST(OLD.last_read_seq, NEW.last_read_seq), GREATEST(OLD.last_read_seq, NEW.last_read_seq), xact);
  END IF;
  IF NEW.last_delivered_seq <> OLD.last_delivered_seq THEN
    INSERT INTO message_receipt_changes (conversation_id, user_id, kind, from_seq, to_seq, modseq)
      VALUES (NEW.conversation_id, NEW.user_id, 'delivered',
              LEAST(OLD.last_delivered_seq, NEW.last_delivered_seq), GREATEST(OLD.last_delivered_seq, NEW.last_delivered_seq), xact);
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- (Not "UPDATE OF": the seq columns are often set by the BEFORE trigger above, not the statement.)
CREATE TRIGGER participants_receipt_changes AFTER UPDATE ON "participants"
  FOR EACH ROW EXECUTE FUNCTION jchat_participant_receipt_changes();

-- Uploads arrive over NATS in parts (each well under its 1 MB payload limit); they are staged
-- here until the last one, then joined into one "blobs" row.
CREATE TABLE "blob_upload_parts" (
    "upload_id" TEXT NOT NULL,
    "part" INTEGER NOT NULL,
    "account_id" UUID NOT NULL,
    "data" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "blob_upload_parts_pkey" PRIMARY KEY ("upload_id", "part")
);
CREATE INDEX "blob_upload_parts_created_at_idx" ON "blob_upload_parts"("created_at");
ALTER TABLE "blob_upload_parts" ADD CONSTRAINT "blob_upload_parts_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Downloads read blobs in slices; uncompressed out-of-line storage lets substring() fetch a
-- slice without reading the whole value.
ALTER TABLE "blobs" ALTER COLUMN "data" SET STORAGE EXTERNAL;
