-- Delete a lock whoever holds it and wake the next waiter (no grant: the next waiter tries).
-- KEYS[1] the lock's hash   KEYS[2] its queue (zset: waiter token -> ticket)
-- ARGV[1] the release notification channel
-- ARGV[2] 'sharded' (SPUBLISH, Redis >= 7), else PUBLISH (also when absent)
-- Returns 1 when a lock was deleted, 0 when it was free.
-- The message is the token of the first queued waiter, or '' when nobody is queued.
local lock = KEYS[1]
local queue = KEYS[2]
local channel = ARGV[1]
local mode = ARGV[2]

if redis.call('DEL', lock) == 0 then
  return 0
end
redis.call(mode == 'sharded' and 'SPUBLISH' or 'PUBLISH', channel, redis.call('ZRANGE', queue, 0, 0)[1] or '')
return 1
