-- Lookups that only the right index can answer (issue 9). PL/pgSQL keeps a statement's plan once
-- it has one, and plans made while `messages` was small read the whole history: with every index
-- looking as good as another, lookups went through (conversation_id, sent_at) and filtered the
-- rest (416 rows per send in the integration test; a million for a million messages), and the
-- batch's read-back of its own messages scanned the table (12,000 rows per batch in the bench).
--
-- jchat_send_messages (otherwise as in 20261201000000_send_batch):
-- - the senders' latest messages of the batch come from arrays built as they are stored, not
--   from selecting the batch's ids back from `messages`, and each sender's read position is moved
--   by the unique (conversation, user) key;
-- - a send's clientMessageId is no longer looked up before the insert: the insert's own conflict
--   check on the unique (conversation_id, client_message_id) index finds an earlier one
--   (ON CONFLICT DO NOTHING), and only a duplicate is then read back.
--
-- jchat_participant_read_seq: the message behind a read position is found by its primary key
-- alone, and its conversation checked on the row found.
CREATE OR REPLACE FUNCTION jchat_send_messages(batch jsonb)
RETURNS TABLE (idx integer, outcome text, message jsonb)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  item record;
  target record;
  stored messages%ROWTYPE;
  earlier jsonb;
  -- The stored messages, for the senders' read positions.
  stored_ids uuid[] := '{}';
  stored_conversations uuid[] := '{}';
  stored_senders uuid[] := '{}';
  stored_seqs bigint[] := '{}';
  stored_times timestamptz[] := '{}';
  latest record;
  -- Per conversation of the batch: [next free seq - 1, latest sentAt, messages added, last id].
  counters jsonb := '{}';
  counter jsonb;
  next_seq bigint;
  sent timestamptz;
BEGIN
  PERFORM 1 FROM conversations c
   WHERE c.id IN (SELECT DISTINCT (e->>'conversationId')::uuid FROM jsonb_array_elements(batch) e)
   ORDER BY c.id
     FOR NO KEY UPDATE;

  -- A new statement, after the locks: it sees every send committed before them.
  SELECT COALESCE(jsonb_object_agg(c.id::text, jsonb_build_array(
           c.last_message_seq,
           GREATEST(
             COALESCE((SELECT m.sent_at FROM messages m WHERE m.conversation_id = c.id
                        ORDER BY m.seq DESC LIMIT 1), '-infinity'::timestamptz),
             COALESCE(c.last_message_at, '-infinity'::timestamptz)),
           0, NULL)), '{}')
    INTO counters
    FROM conversations c
   WHERE c.id IN (SELECT DISTINCT (e->>'conversationId')::uuid FROM jsonb_array_elements(batch) e)
     AND c.deleted_at IS NULL;

  FOR item IN
    SELECT (t.o - 1)::int AS i, t.e AS v,
           (t.e->>'conversationId')::uuid AS conversation_id, (t.e->>'senderId')::uuid AS sender_id
      FROM jsonb_array_elements(batch) WITH ORDINALITY AS t(e, o)
     ORDER BY t.o
  LOOP
    idx := item.i;
    message := NULL;
    counter := counters->(item.conversation_id::text);
    IF counter IS NULL THEN
      outcome := 'no-conversation';
      RETURN NEXT;
      CONTINUE;
    END IF;
    IF NOT (item.v->>'isSystemMessage')::boolean THEN
      SELECT c.is_archived, c.conversation_type::text AS conversation_type, p.role::text AS role, p.is_active
        INTO target
        FROM conversations c
        LEFT JOIN participants p ON p.conversation_id = c.id AND p.user_id = item.sender_id
       WHERE c.id = item.conversation_id;
      outcome := CASE
        WHEN target.is_active IS NOT TRUE THEN 'not-a-member'
        WHEN target.is_archived THEN 'archived'
        WHEN item.v ? 'assumedRole'
         AND (target.role IS DISTINCT FROM item.v->>'assumedRole'
              OR target.conversation_type IS DISTINCT FROM item.v->>'assumedConversationType')
          THEN 'access-moved'
      END;
      IF outcome IS NOT NULL THEN
        RETURN NEXT;
        CONTINUE;
      END IF;
    END IF;
    next_seq := (counter->>0)::bigint + 1;
    sent := GREATEST((counter->>1)::timestamptz, LEAST((item.v->>'proposedSentAt')::timestamptz, now()));
    -- A clientKey stored before (or earlier in the batch) is found by the insert's own conflict
    -- check on the unique (conversation_id, client_message_id) index.
    INSERT INTO messages (id, conversation_id, sender_id, body, body_type, sent_at, received_at,
                          reply_to_message_id, attachments, metadata, seq, client_message_id,
                          is_system_message)
    VALUES ((item.v->>'id')::uuid, item.conversation_id, item.sender_id, item.v->>'body',
            item.v->>'bodyType', sent, now(),
            (item.v->>'replyToMessageId')::uuid, item.v->'attachments', item.v->'metadata',
            next_seq, item.v->>'clientKey', (item.v->>'isSystemMessage')::boolean)
    ON CONFLICT (conversation_id, client_message_id) DO NOTHING
    RETURNING * INTO stored;
    IF NOT FOUND THEN
      SELECT to_jsonb(m) - 'search' INTO earlier FROM messages m
       WHERE m.conversation_id = item.conversation_id AND m.client_message_id = item.v->>'clientKey';
      outcome := 'duplicate';
      message := earlier;
      RETURN NEXT;
      CONTINUE;
    END IF;
    counters := jsonb_set(counters, ARRAY[item.conversation_id::text],
                          jsonb_build_array(next_seq, sent, (counter->>2)::int + 1, item.v->>'id'));
    stored_ids := stored_ids || stored.id;
    stored_conversations := stored_conversations || stored.conversation_id;
    stored_senders := stored_senders || stored.sender_id;
    stored_seqs := stored_seqs || stored.seq;
    stored_times := stored_times || stored.received_at;
    outcome := 'stored';
    message := to_jsonb(stored) - 'search';
    RETURN NEXT;
  END LOOP;

  UPDATE conversations c
     SET last_message_seq = (n.value->>0)::bigint,
         last_message_at = (n.value->>1)::timestamptz,
         message_count = c.message_count + (n.value->>2)::int,
         last_message_id = (n.value->>3)::uuid
    FROM jsonb_each(counters) AS n
   WHERE c.id = n.key::uuid AND (n.value->>2)::int > 0;

  -- The senders have read what they wrote (the trigger on participants derives the seqs).
  -- One update by the unique (conversation, user) key per sender, whatever plan a join would get.
  FOR latest IN
    SELECT DISTINCT ON (s.conversation_id, s.sender_id)
           s.conversation_id, s.sender_id, s.id, s.seq, s.received_at
      FROM unnest(stored_conversations, stored_senders, stored_ids, stored_seqs, stored_times)
             AS s(conversation_id, sender_id, id, seq, received_at)
     ORDER BY s.conversation_id, s.sender_id, s.seq DESC
  LOOP
    UPDATE participants p
       SET last_read_message_id = latest.id, last_read_at = latest.received_at,
           last_active_at = latest.received_at
     WHERE p.conversation_id = latest.conversation_id AND p.user_id = latest.sender_id
       AND p.is_active AND p.last_read_seq < latest.seq;
  END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION jchat_participant_read_seq() RETURNS trigger AS $$
DECLARE
  moved boolean := true;
  found_seq bigint;
  found_conversation uuid;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    moved := NEW.last_read_message_id IS DISTINCT FROM OLD.last_read_message_id;
  END IF;
  IF moved THEN
    IF NEW.last_read_message_id IS NULL THEN
      IF TG_OP = 'UPDATE' THEN
        NEW.last_read_seq := 0;
      END IF;
    ELSE
      SELECT m.seq, m.conversation_id INTO found_seq, found_conversation
        FROM messages m WHERE m.id = NEW.last_read_message_id;
      IF found_conversation IS DISTINCT FROM NEW.conversation_id THEN
        found_seq := NULL;
      END IF;
      NEW.last_read_seq := COALESCE(found_seq, CASE WHEN TG_OP = 'INSERT' THEN NEW.last_read_seq ELSE 0 END);
    END IF;
  END IF;
  NEW.last_delivered_seq := GREATEST(NEW.last_delivered_seq, NEW.last_read_seq);
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
