-- Delete a lock whoever holds it and wake the next waiter.
-- Returns 1 when a lock was deleted, 0 when it was free.
-- The message is the token of the first queued waiter, or '' when nobody is queued.
local lock = KEYS[1]    -- the lock's hash
local queue = KEYS[2]   -- zset: waiter token -> ticket
local channel = ARGV[1] -- the release notification channel
local mode = ARGV[2]    -- 'sharded' (SPUBLISH, Redis >= 7), else PUBLISH (also when absent)

if redis.call('DEL', lock) == 0 then
  return 0
end
redis.call(mode == 'sharded' and 'SPUBLISH' or 'PUBLISH', channel, redis.call('ZRANGE', queue, 0, 0)[1] or '')
return 1
