-- Remove a waiter that gives up from the queue. If the lock had already been granted to it (the
-- grant crossed its giving up), release it; a free lock is then granted to the next waiter.
-- KEYS[1] the lock (a hash: o = owner token)   KEYS[2] its fence key
-- KEYS[3] its queue (zset: waiter token -> ticket)
-- KEYS[4] the queue's deadlines (zset: waiter token -> ms by the server clock when it counts as gone)
-- KEYS[5] the queue's grant records (hash: waiter token -> "<ttl> <channel id> <metadata>")
-- ARGV[1] the token of the waiter that leaves   ARGV[2] the release notification channel
-- ARGV[3] fence grace in ms (for the fence of a grant)
-- ARGV[4] 'sharded' (SPUBLISH, Redis >= 7), else PUBLISH (also when absent)
-- Returns 1 when the waiter was queued or held the lock by a grant, 0 otherwise.
--- @include "include/grant-head"
local lock = KEYS[1]
local fenceKey = KEYS[2]
local queue = KEYS[3]
local deadlines = KEYS[4]
local waiting = KEYS[5]
local waiter = ARGV[1]
local channel = ARGV[2]
local fenceGrace = tonumber(ARGV[3])
local mode = ARGV[4]

local removed = redis.call('ZREM', queue, waiter)
redis.call('ZREM', deadlines, waiter)
redis.call('HDEL', waiting, waiter)
local holder = redis.call('HGET', lock, 'o')
local granted = holder == waiter
if granted then
  redis.call('DEL', lock)
  removed = 1
  holder = false
end
if removed == 1 and not holder then
  local message, to = '', nil
  if redis.call('EXISTS', queue) == 1 then
    message, to = grantHead(lock, fenceKey, queue, deadlines, waiting, fenceGrace)
  end
  -- A released grant is a release (plain waiters wake on ''); a free lock wakes nobody new.
  if message ~= '' or granted then
    announce(channel, message, to, nil, mode)
  end
end
return removed
