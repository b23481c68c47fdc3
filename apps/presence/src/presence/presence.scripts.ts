/**
 * Lua scripts of the presence store: each reads and writes one user's records
 * atomically, so replicas of the service racing on the same user (a heartbeat, a
 * sweep, a Presence/set) never leave a stale status behind.
 */

/**
 * Recomputes a user's status and records a change.
 * KEYS: 1 gateways zset (gatewayId -> expiry ms), 2 user hash, 3 live zset, 4 idle zset,
 *       5 sequence counter, 6 changes zset (userId -> seq), 7 lastSeen write throttle
 * ARGV: 1 userId, 2 now ms, 3 awayAfterMs, 4 record ttl s, 5 force change '1'|'0',
 *       6 gatewayId or '', 7 gateway expiry ms, 8 activeAt ms or '', 9 lastSeen throttle ms
 * Returns {changed 0|1, status, seq, writeLastSeen 0|1, seenAt ms (a string)}.
 * Times travel as strings: Lua would print large numbers with too few digits.
 */
export const REFRESH_SCRIPT = `
local now = tonumber(ARGV[2])
if ARGV[6] ~= '' then redis.call('ZADD', KEYS[1], ARGV[7], ARGV[6]) end
if ARGV[8] ~= '' then
  local active = tonumber(redis.call('HGET', KEYS[2], 'activeAt') or '0')
  if tonumber(ARGV[8]) > active then redis.call('HSET', KEYS[2], 'activeAt', ARGV[8]) end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local connected = #top > 0
if connected then
  redis.call('ZADD', KEYS[3], top[2], ARGV[1])
else
  redis.call('ZREM', KEYS[3], ARGV[1])
end
local f = redis.call('HMGET', KEYS[2], 'chosen', 'activeAt', 'status', 'seenAt')
local chosen = f[1] or 'online'
local activeAt = tonumber(f[2] or '0')
local previous = f[3] or 'offline'
local seenAt = f[4] or '0'
local status
if not connected then
  status = 'offline'
elseif chosen ~= 'online' then
  status = chosen
elseif now - activeAt >= tonumber(ARGV[3]) then
  status = 'away'
else
  status = 'online'
end
if connected and chosen == 'online' and status == 'online' then
  redis.call('ZADD', KEYS[4], f[2] or '0', ARGV[1])
else
  redis.call('ZREM', KEYS[4], ARGV[1])
end
if connected or previous ~= 'offline' then
  seenAt = ARGV[2]
  redis.call('HSET', KEYS[2], 'seenAt', ARGV[2])
end
local writeLastSeen = 0
if (connected or previous ~= 'offline') and redis.call('SET', KEYS[7], '1', 'NX', 'PX', ARGV[9]) then
  writeLastSeen = 1
end
redis.call('EXPIRE', KEYS[2], ARGV[4])
if status == previous and ARGV[5] ~= '1' then
  return {0, status, 0, writeLastSeen, seenAt}
end
local seq = redis.call('INCR', KEYS[5])
redis.call('HSET', KEYS[2], 'status', status, 'updatedAt', ARGV[2], 'seq', seq)
redis.call('ZADD', KEYS[6], seq, ARGV[1])
return {1, status, seq, writeLastSeen, seenAt}
`;

/**
 * Ends one typing indicator if it has expired (and nobody renewed it meanwhile).
 * KEYS: 1 typing expiry zset (member "userId|conversationId"), 2 user hash
 * ARGV: 1 member, 2 now ms, 3 conversationId
 * Returns 1 when this caller ended it.
 */
export const TYPING_EXPIRE_SCRIPT = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], 'typingIn') == ARGV[3] then
  redis.call('HDEL', KEYS[2], 'typingIn', 'typingUntil')
end
return 1
`;

/**
 * Stops a user's typing in one conversation now (they sent, cleared it or moved on).
 * KEYS: 1 typing expiry zset, 2 user hash
 * ARGV: 1 member, 2 conversationId
 * Returns 1 when the user was typing there.
 */
export const TYPING_STOP_SCRIPT = `
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], 'typingIn') == ARGV[2] then
  redis.call('HDEL', KEYS[2], 'typingIn', 'typingUntil')
end
return removed
`;
