-- JCHAT initial schema: every record of shared/seed/jchat.hrl plus JMAP sync support.

-- JMAP sync: every write of a shared row stamps it with the id of the writing
-- transaction (modseq). A client's state is the snapshot horizon
-- pg_snapshot_xmin(pg_current_snapshot()) read before its data: every transaction
-- below it has finished, so `modseq >= state` can never miss a change that
-- committed late, which a plain sequence (handed out before commit) could.
CREATE OR REPLACE FUNCTION jchat_stamp_modseq() RETURNS trigger AS $$
BEGIN
  NEW.modseq := pg_current_xact_id()::text::bigint;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TABLE "users" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email" TEXT NOT NULL,
    "password_hash" TEXT,
    "display_name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_login_at" TIMESTAMPTZ(3),
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "auth_provider" TEXT NOT NULL DEFAULT 'local',
    "auth_provider_id" TEXT,
    "modseq" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "users_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "users_email_lowercase" CHECK ("email" = lower("email")),
    CONSTRAINT "users_display_name_length" CHECK (char_length("display_name") BETWEEN 1 AND 100)
);
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");
CREATE UNIQUE INDEX "users_auth_provider_auth_provider_id_key" ON "users"("auth_provider", "auth_provider_id");
CREATE INDEX "users_modseq_idx" ON "users"("modseq");
CREATE INDEX "users_display_name_prefix_idx" ON "users"(lower("display_name") text_pattern_ops);

CREATE TABLE "sessions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "user_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "ip_address" TEXT,
    "user_agent" TEXT,
    "refresh_token_hash" TEXT,
    "refresh_generation" INTEGER NOT NULL DEFAULT 0,
    "revoked_at" TIMESTAMPTZ(3),
    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id");
CREATE INDEX "sessions_expires_at_idx" ON "sessions"("expires_at");

CREATE TABLE "conversations" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "title" TEXT,
    "description" TEXT,
    "conversation_type" TEXT NOT NULL,
    "privacy_level" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" UUID NOT NULL,
    "is_archived" BOOLEAN NOT NULL DEFAULT false,
    "is_muted" BOOLEAN NOT NULL DEFAULT false,
    "last_message_id" UUID,
    "last_message_at" TIMESTAMPTZ(3),
    "unread_count" INTEGER NOT NULL DEFAULT 0,
    "message_count" INTEGER NOT NULL DEFAULT 0,
    "last_message_seq" BIGINT NOT NULL DEFAULT 0,
    "direct_key" TEXT,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "modseq" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "conversations_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "conversations_type_check" CHECK ("conversation_type" IN ('direct', 'group', 'channel', 'announcement')),
    CONSTRAINT "conversations_privacy_check" CHECK ("privacy_level" IN ('private', 'public', 'restricted'))
);
CREATE UNIQUE INDEX "conversations_direct_key_key" ON "conversations"("direct_key");
CREATE INDEX "conversations_modseq_idx" ON "conversations"("modseq");
CREATE INDEX "conversations_privacy_level_is_archived_idx" ON "conversations"("privacy_level", "is_archived");

CREATE TABLE "messages" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "conversation_id" UUID NOT NULL,
    "sender_id" UUID NOT NULL,
    "body" TEXT NOT NULL DEFAULT '',
    "body_type" TEXT NOT NULL DEFAULT 'text/plain',
    "sent_at" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "edited_at" TIMESTAMPTZ(3),
    "is_deleted" BOOLEAN NOT NULL DEFAULT false,
    "is_system_message" BOOLEAN NOT NULL DEFAULT false,
    "reply_to_message_id" UUID,
    "attachments" JSONB NOT NULL DEFAULT '[]',
    "reactions" JSONB NOT NULL DEFAULT '{}',
    "delivery_status" TEXT NOT NULL DEFAULT 'sent',
    "read_by" UUID[] NOT NULL DEFAULT ARRAY[]::UUID[],
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "seq" BIGINT NOT NULL,
    "client_message_id" TEXT,
    "modseq" BIGINT NOT NULL DEFAULT 0,
    "search" tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce("body", ''))) STORED,
    CONSTRAINT "messages_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "messages_body_type_check" CHECK ("body_type" IN ('text/plain', 'text/markdown', 'text/html')),
    CONSTRAINT "messages_delivery_status_check" CHECK ("delivery_status" IN ('sent', 'delivered', 'read', 'failed'))
);
CREATE UNIQUE INDEX "messages_conversation_id_seq_key" ON "messages"("conversation_id", "seq");
CREATE UNIQUE INDEX "messages_conversation_id_client_message_id_key" ON "messages"("conversation_id", "client_message_id");
CREATE INDEX "messages_conversation_id_modseq_idx" ON "messages"("conversation_id", "modseq");
CREATE INDEX "messages_conversation_id_sent_at_idx" ON "messages"("conversation_id", "sent_at");
CREATE INDEX "messages_sender_id_idx" ON "messages"("sender_id");
CREATE INDEX "messages_search_idx" ON "messages" USING GIN ("search");

CREATE TABLE "message_versions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "message_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "body" TEXT NOT NULL,
    "body_type" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "message_versions_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "message_versions_message_id_version_key" ON "message_versions"("message_id", "version");

CREATE TABLE "participants" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "conversation_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "display_name" TEXT NOT NULL,
    "avatar_blob_id" TEXT,
    "role" TEXT NOT NULL DEFAULT 'member',
    "joined_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "left_at" TIMESTAMPTZ(3),
    "last_active_at" TIMESTAMPTZ(3),
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "permissions" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "last_read_message_id" UUID,
    "last_read_at" TIMESTAMPTZ(3),
    "last_read_seq" BIGINT NOT NULL DEFAULT 0,
    "last_delivered_seq" BIGINT NOT NULL DEFAULT 0,
    "is_muted" BOOLEAN NOT NULL DEFAULT false,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "modseq" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "participants_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "participants_role_check" CHECK ("role" IN ('owner', 'admin', 'moderator', 'member'))
);
CREATE UNIQUE INDEX "participants_conversation_id_user_id_key" ON "participants"("conversation_id", "user_id");
CREATE INDEX "participants_user_id_is_active_idx" ON "participants"("user_id", "is_active");
CREATE INDEX "participants_conversation_id_modseq_idx" ON "participants"("conversation_id", "modseq");

CREATE TABLE "presence" (
    "user_id" UUID NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'offline',
    "status_message" TEXT,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "is_typing_in" UUID,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "presence_pkey" PRIMARY KEY ("user_id"),
    CONSTRAINT "presence_status_check" CHECK ("status" IN ('online', 'away', 'busy', 'offline'))
);

CREATE TABLE "state_counters" (
    "account_id" UUID NOT NULL,
    "object_type" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "state_counters_pkey" PRIMARY KEY ("account_id", "object_type")
);

CREATE TABLE "roles" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "description" TEXT,
    "permissions" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "is_system" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "modseq" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "roles_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "roles_name_key" ON "roles"("name");
CREATE INDEX "roles_modseq_idx" ON "roles"("modseq");

CREATE TABLE "user_roles" (
    "user_id" UUID NOT NULL,
    "role_id" UUID NOT NULL,
    "granted_by" UUID,
    "granted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "modseq" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "user_roles_pkey" PRIMARY KEY ("user_id", "role_id")
);
CREATE INDEX "user_roles_role_id_idx" ON "user_roles"("role_id");

CREATE TABLE "conversation_roles" (
    "user_id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "role_id" UUID NOT NULL,
    "granted_by" UUID,
    "granted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "modseq" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "conversation_roles_pkey" PRIMARY KEY ("user_id", "conversation_id", "role_id")
);
CREATE INDEX "conversation_roles_conversation_id_idx" ON "conversation_roles"("conversation_id");

CREATE TABLE "blobs" (
    "id" TEXT NOT NULL,
    "account_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "data" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "blobs_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "blobs_account_id_idx" ON "blobs"("account_id");
CREATE INDEX "blobs_created_at_idx" ON "blobs"("created_at");

-- Foreign keys
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "messages" ADD CONSTRAINT "messages_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "messages" ADD CONSTRAINT "messages_sender_id_fkey" FOREIGN KEY ("sender_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "messages" ADD CONSTRAINT "messages_reply_to_message_id_fkey" FOREIGN KEY ("reply_to_message_id") REFERENCES "messages"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "message_versions" ADD CONSTRAINT "message_versions_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "participants" ADD CONSTRAINT "participants_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "participants" ADD CONSTRAINT "participants_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "presence" ADD CONSTRAINT "presence_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_role_id_fkey" FOREIGN KEY ("role_id") REFERENCES "roles"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "conversation_roles" ADD CONSTRAINT "conversation_roles_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "conversation_roles" ADD CONSTRAINT "conversation_roles_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "conversation_roles" ADD CONSTRAINT "conversation_roles_role_id_fkey" FOREIGN KEY ("role_id") REFERENCES "roles"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "blobs" ADD CONSTRAINT "blobs_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every insert and update of a shared row takes its transaction's modseq.
CREATE TRIGGER users_modseq BEFORE INSERT OR UPDATE ON "users" FOR EACH ROW EXECUTE FUNCTION jchat_stamp_modseq();
CREATE TRIGGER conversations_modseq BEFORE INSERT OR UPDATE ON "conversations" FOR EACH ROW EXECUTE FUNCTION jchat_stamp_modseq();
CREATE TRIGGER messages_modseq BEFORE INSERT OR UPDATE ON "messages" FOR EACH ROW EXECUTE FUNCTION jchat_stamp_modseq();
CREATE TRIGGER participants_modseq BEFORE INSERT OR UPDATE ON "participants" FOR EACH ROW EXECUTE FUNCTION jchat_stamp_modseq();
CREATE TRIGGER roles_modseq BEFORE INSERT OR UPDATE ON "roles" FOR EACH ROW EXECUTE FUNCTION jchat_stamp_modseq();
CREATE TRIGGER user_roles_modseq BEFORE INSERT OR UPDATE ON "user_roles" FOR EACH ROW EXECUTE FUNCTION jchat_stamp_modseq();
CREATE TRIGGER conversation_roles_modseq BEFORE INSERT OR UPDATE ON "conversation_roles" FOR EACH ROW EXECUTE FUNCTION jchat_stamp_modseq();

-- System roles (isSystem: seeded, cannot be deleted).
INSERT INTO "roles" ("name", "description", "permissions", "is_system") VALUES
  ('system-admin', 'Administers the whole server', ARRAY['users.manage', 'roles.manage', 'conversation.update', 'conversation.archive', 'conversation.delete', 'participants.invite', 'participants.remove', 'participants.setRole', 'messages.send', 'messages.deleteAny'], true),
  ('user', 'Every registered user', ARRAY[]::TEXT[], true);
