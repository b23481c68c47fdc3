-- The send path's lookups stay on their indexes whatever the statistics say (issue 9).
--
-- PL/pgSQL keeps a statement's generic plan for the rest of the connection. Made just after
-- `messages` was analyzed while small (an autovacuum early in a deployment's life, or a VACUUM
-- ANALYZE), that plan scans the table even to find a message by its primary key, since a scan of
-- a page or two costs less than an index probe; it then keeps scanning as the table grows, until
-- the next analyze. In the chat-load benchmark (W1 after a VACUUM ANALYZE) the read-position
-- trigger scanned all of `messages` for every send: 5 million rows read in 15 s, PostgreSQL at
-- 45 % of a core instead of 22 %. Every lookup these functions make has an index that answers it
-- (primary keys, the unique (conversation, user) and (conversation, client_message_id) keys, the
-- (conversation_id, seq) index), so their plans are made with sequential scans off.
ALTER FUNCTION jchat_send_messages(jsonb) SET enable_seqscan = off;
ALTER FUNCTION jchat_participant_read_seq() SET enable_seqscan = off;
ALTER FUNCTION jchat_flush_delivered(uuid, uuid[], bigint[], integer) SET enable_seqscan = off;
