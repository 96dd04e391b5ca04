-- Release a lock held by the given owner and wake the next waiter.
-- Returns 1 when released, 0 when the lock is not held by this owner.
-- The message is the token of the first live queued waiter, or '' when nobody is queued.
-- The fence key is left to expire: it must outlive the lock to keep fences increasing.
--- @include "include/clock"
--- @include "include/drop-gone-waiters"
local lock = KEYS[1]      -- the lock's hash: o = owner token
local queue = KEYS[2]     -- zset: waiter token -> ticket
local deadlines = KEYS[3] -- zset: waiter token -> deadline in server ms
local owner = ARGV[1]     -- the caller's owner token
local channel = ARGV[2]   -- the release notification channel
local mode = ARGV[3]      -- 'sharded' (SPUBLISH, Redis >= 7), else PUBLISH (also when absent)

if redis.call('HGET', lock, 'o') ~= owner then
  return 0
end
redis.call('DEL', lock)
-- Without a queue (the usual case) there is nobody to clean up or look up: no clock read.
local head = ''
if redis.call('EXISTS', queue) == 1 then
  local _, nowMs = serverTime()
  dropGoneWaiters(queue, deadlines, nowMs)
  head = redis.call('ZRANGE', queue, 0, 0)[1] or ''
end
redis.call(mode == 'sharded' and 'SPUBLISH' or 'PUBLISH', channel, head)
return 1
