-- Release a lock held by the given owner and hand it to the next waiter.
-- KEYS[1] the lock (a hash: o = owner token)   KEYS[2] its fence key
-- KEYS[3] its queue (zset: waiter token -> ticket)
-- KEYS[4] the queue's deadlines (zset: waiter token -> ms by the server clock when it counts as gone)
-- KEYS[5] the queue's grant records (hash: waiter token -> "<ttl> <channel id> <metadata>")
-- ARGV[1] the caller's owner token
-- ARGV[2] the channel id of the caller's store ('' when absent): a grant to a waiter of that
--         store is not published, since the reply carries it (see include/grant-head)
-- ARGV[3] fence grace in ms (for the fence of a grant), DEFAULT_FENCE_GRACE when absent
-- ARGV[4] 'sharded' (SPUBLISH, Redis >= 7), else PUBLISH (also when absent)
-- (The store leaves out trailing arguments that equal their defaults; 'classic' is the default.)
-- The release is announced on KEYS[1] .. ':rel' (releaseChannelOf in redis-layout.ts), a grant
-- on that channel .. ':' .. the waiter's channel id: a channel is not a key, and these share the
-- lock's hash tag, hence its slot.
-- Returns 0 when the lock is not held by this owner, else 1, or {1, message} when the message may
-- be for the caller's own store: a grant to one of its waiters (not published) or a message on
-- the shared channel (a wake-up, or a grant to a waiter that named no channel id). With a live
-- queued waiter at the head, the lock is granted to it here (see include/grant-head) and the
-- message says so.
-- The fence key is left to expire: it must outlive the lock to keep fences increasing.
--- @include "include/defaults"
--- @include "include/grant-head"
local lock = KEYS[1]
local fenceKey = KEYS[2]
local queue = KEYS[3]
local deadlines = KEYS[4]
local waiting = KEYS[5]
local owner = ARGV[1]
local own = ARGV[2] or ''
local fenceGrace = tonumber(ARGV[3]) or DEFAULT_FENCE_GRACE
local mode = ARGV[4]
local prefer = ARGV[5]
local channel = lock .. ':rel'

if redis.call('HGET', lock, 'o') ~= owner then
  return 0
end
-- Without a queue (the usual case) there is nobody to clean up or grant to: no clock read.
local message, to = '', nil
if redis.call('EXISTS', queue) == 1 then
  message, to = grantHead(lock, fenceKey, queue, deadlines, waiting, fenceGrace, prefer)
end
-- A grant (it names a channel id, maybe '') wrote every field of the lock for its new holder,
-- and its ttl; only a lock nobody was granted is deleted.
if to == nil then
  redis.call('DEL', lock)
end
local forCaller = announce(channel, message, to, own, mode)
-- Nothing for the caller: nobody was queued, or the grant went to another store's channel.
if message == '' or not forCaller then
  return 1
end
return {1, message}
