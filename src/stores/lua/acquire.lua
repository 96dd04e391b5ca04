-- Take a lock if it is free (or expired) and nobody is queued ahead of the caller.
-- KEYS[1] the lock (a hash: o = owner token, f = fence, m = metadata, t = ticket if granted)
-- KEYS[2] the last fence issued for this lock (short-lived)
-- KEYS[3] the queue (zset: waiter token -> ticket, the arrival order of queued waiters)
-- KEYS[4] the queue's deadlines (zset: waiter token -> ms by the server clock when it counts as gone)
-- KEYS[5] the queue's grant records (hash: waiter token -> "<ttl> <channel id> <metadata>", what
--         a release needs to grant the lock to that waiter; see include/grant-head)
-- ARGV[1] the caller's owner token   ARGV[2] ttl in ms
-- ARGV[3] 'fair': join the queue when the lock cannot be taken; 'plain' (also when absent): join
--         only a queue that already exists; 'once': a single attempt, never join
-- ARGV[4] metadata (shown by inspect), '' when absent
-- ARGV[5] the channel id of the caller's store, '' when absent: a grant to this caller is
--         published on the lock's release channel .. ':' .. id, which only that store hears
--         (else on the release channel itself, which every waiting store hears)
-- ARGV[6] ms a queued waiter stays without refreshing, DEFAULT_WAITER_TTL when absent
-- ARGV[7] ms the fence key outlives the lock, DEFAULT_FENCE_GRACE when absent
-- (The store leaves out trailing arguments that equal their defaults: in this order, an engine's
-- acquire, which waits in the queue, names its process and listens on its own channel, sends
-- five.)
-- Returns {1, fence, ticket} when taken (ticket -1 if the caller never queued), also when the
-- caller already holds it (e.g. granted by a release whose message it missed: its ticket),
-- {0, pttl, queued, server ms, expiry} when not (pttl -1 if the lock is free but others are
-- queued first; server ms, a decimal string, only when queued: the time of this attempt by the
-- server clock, from which a grant's lease start is computed; expiry, only when queued behind a
-- holder on Redis >= 7: the holder's expiry time in ms by the same clock (PEXPIRETIME), so the
-- caller can tell to a fraction of a ms when the lock frees: PTTL alone is rounded down).
--- @include "include/defaults"
--- @include "include/clock"
--- @include "include/drop-gone-waiters"
--- @include "include/take-lock"
local lock = KEYS[1]
local fenceKey = KEYS[2]
local queue = KEYS[3]
local deadlines = KEYS[4]
local waiting = KEYS[5]
local owner = ARGV[1]
local ttl = tonumber(ARGV[2])
local mode = ARGV[3] or 'plain'
local metadata = ARGV[4] or ''
local channelId = ARGV[5] or ''
local waiterTtl = tonumber(ARGV[6]) or DEFAULT_WAITER_TTL
local fenceGrace = tonumber(ARGV[7]) or DEFAULT_FENCE_GRACE

-- Free and nobody queued (the usual case) is told by one call on both keys, not a look at the
-- holder and another at the queue: each call inside a script costs a cold server ~4 µs.
local function take(nowUs, ticket)
  return {1, takeLock(lock, fenceKey, owner, ttl, metadata, fenceGrace, nowUs), ticket}
end
local present = redis.call('EXISTS', lock, queue)
if present == 0 then
  return take((serverTime()), -1)
end

-- Every lock hash has its owner (o), so the lock key exists exactly when there is a holder, and
-- the queue exists when EXISTS counted a key besides it.
local holder = redis.call('HGET', lock, 'o')
local queued = present == (holder and 2 or 1)
if holder == owner then
  -- The lease starts again now; the fence key must outlive it as it would after a take.
  redis.call('PEXPIRE', lock, ttl)
  redis.call('PEXPIRE', fenceKey, ttl + fenceGrace)
  local held = redis.call('HMGET', lock, 'f', 't')
  return {1, tonumber(held[1]), tonumber(held[2]) or -1}
end

-- Busy and nobody queued: no clean-up, no head look-up, no clock read.
if not queued and mode ~= 'fair' then
  return {0, redis.call('PTTL', lock), 0}
end

local nowUs, nowMs = serverTime()
dropGoneWaiters(queue, deadlines, waiting, nowMs)
local head = redis.call('ZRANGE', queue, 0, 0)[1]

if not holder and (not head or head == owner) then
  local ticket = -1
  if head then
    ticket = tonumber(redis.call('ZSCORE', queue, owner))
    redis.call('ZREM', queue, owner)
    redis.call('ZREM', deadlines, owner)
    redis.call('HDEL', waiting, owner)
  end
  return take(nowUs, ticket)
end

-- Fair callers always queue; others join a queue that already exists, so nobody barges past it.
if mode == 'fair' or (head and mode == 'plain') then
  if not redis.call('ZSCORE', queue, owner) then
    local ticket = nowUs
    local tail = redis.call('ZRANGE', queue, -1, -1, 'WITHSCORES')
    if tail[2] and tonumber(tail[2]) >= ticket then
      ticket = tonumber(tail[2]) + 1
    end
    redis.call('ZADD', queue, string.format('%.0f', ticket), owner)
  end
  redis.call('ZADD', deadlines, nowMs + waiterTtl, owner)
  redis.call('HSET', waiting, owner, ttl .. ' ' .. channelId .. ' ' .. metadata)
  redis.call('PEXPIRE', queue, waiterTtl)
  redis.call('PEXPIRE', deadlines, waiterTtl)
  redis.call('PEXPIRE', waiting, waiterTtl)
  local serverMs = string.format('%.3f', nowUs / 1000)
  if not holder then
    return {0, -1, 1, serverMs}
  end
  if (redis.REDIS_VERSION_NUM or 0) >= 0x070000 then
    return {0, redis.call('PTTL', lock), 1, serverMs, redis.call('PEXPIRETIME', lock)}
  end
  return {0, redis.call('PTTL', lock), 1, serverMs}
end
local pttl = -1
if holder then
  pttl = redis.call('PTTL', lock)
end
return {0, pttl, 0}
