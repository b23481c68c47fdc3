-- Conversations, participants and RBAC (issue 4): what JMAP /changes needs beyond `modseq`.

-- The modseq of a participant's last join or leave, stamped when the row is inserted or
-- is_active flips. /changes uses it to tell a membership move (the whole conversation appears
-- or disappears for that user) from other updates of the row (read position, mute), without
-- scanning member lists.
-- Rows older than this migration keep 0: joined before any state a client can hold.
ALTER TABLE "participants" ADD COLUMN "membership_modseq" BIGINT NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION jchat_stamp_membership_modseq() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.is_active IS DISTINCT FROM OLD.is_active THEN
    NEW.membership_modseq := pg_current_xact_id()::text::bigint;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER participants_membership_modseq BEFORE INSERT OR UPDATE ON "participants"
  FOR EACH ROW EXECUTE FUNCTION jchat_stamp_membership_modseq();

-- A destroyed conversation stays as a tombstone (its participants are deactivated in the same
-- transaction), so every former member's /changes reports it destroyed.
ALTER TABLE "conversations" ADD COLUMN "deleted_at" TIMESTAMPTZ(3);

-- The modseq of the last privacy change: a conversation that became private leaves every
-- non-member's directory, which Conversation/queryChanges must report.
ALTER TABLE "conversations" ADD COLUMN "privacy_modseq" BIGINT NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION jchat_stamp_privacy_modseq() RETURNS trigger AS $$
BEGIN
  IF NEW.privacy_level IS DISTINCT FROM OLD.privacy_level THEN
    NEW.privacy_modseq := pg_current_xact_id()::text::bigint;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER conversations_privacy_modseq BEFORE UPDATE ON "conversations"
  FOR EACH ROW EXECUTE FUNCTION jchat_stamp_privacy_modseq();

-- Roles can be updated, so Role/changes needs the modseq of the insert to tell created from updated.
ALTER TABLE "roles" ADD COLUMN "created_modseq" BIGINT NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION jchat_stamp_created_modseq() RETURNS trigger AS $$
BEGIN
  NEW.created_modseq := pg_current_xact_id()::text::bigint;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER roles_created_modseq BEFORE INSERT ON "roles"
  FOR EACH ROW EXECUTE FUNCTION jchat_stamp_created_modseq();

CREATE INDEX "user_roles_modseq_idx" ON "user_roles"("modseq");
CREATE INDEX "conversation_roles_conversation_id_modseq_idx" ON "conversation_roles"("conversation_id", "modseq");

-- Deleted RBAC rows (including cascaded deletes) leave a tombstone, so Role/UserRole/
-- ConversationRole /changes can report them destroyed. Written by triggers, never by hand.
CREATE TABLE "rbac_tombstones" (
    "id" BIGSERIAL NOT NULL,
    "object_type" TEXT NOT NULL,
    "role_id" UUID NOT NULL,
    "user_id" UUID,
    "conversation_id" UUID,
    "deleted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "modseq" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "rbac_tombstones_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "rbac_tombstones_object_type_check" CHECK ("object_type" IN ('Role', 'UserRole', 'ConversationRole'))
);
CREATE INDEX "rbac_tombstones_object_type_modseq_idx" ON "rbac_tombstones"("object_type", "modseq");
CREATE INDEX "rbac_tombstones_conversation_id_modseq_idx" ON "rbac_tombstones"("conversation_id", "modseq");

CREATE TRIGGER rbac_tombstones_modseq BEFORE INSERT ON "rbac_tombstones"
  FOR EACH ROW EXECUTE FUNCTION jchat_stamp_modseq();

CREATE OR REPLACE FUNCTION jchat_rbac_tombstone() RETURNS trigger AS $$
BEGIN
  IF TG_TABLE_NAME = 'roles' THEN
    INSERT INTO "rbac_tombstones" ("object_type", "role_id") VALUES ('Role', OLD.id);
  ELSIF TG_TABLE_NAME = 'user_roles' THEN
    INSERT INTO "rbac_tombstones" ("object_type", "role_id", "user_id") VALUES ('UserRole', OLD.role_id, OLD.user_id);
  ELSE
    INSERT INTO "rbac_tombstones" ("object_type", "role_id", "user_id", "conversation_id")
      VALUES ('ConversationRole', OLD.role_id, OLD.user_id, OLD.conversation_id);
  END IF;
  RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER roles_tombstone AFTER DELETE ON "roles" FOR EACH ROW EXECUTE FUNCTION jchat_rbac_tombstone();
CREATE TRIGGER user_roles_tombstone AFTER DELETE ON "user_roles" FOR EACH ROW EXECUTE FUNCTION jchat_rbac_tombstone();
CREATE TRIGGER conversation_roles_tombstone AFTER DELETE ON "conversation_roles" FOR EACH ROW EXECUTE FUNCTION jchat_rbac_tombstone();
