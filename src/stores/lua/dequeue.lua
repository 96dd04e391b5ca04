-- Remove a waiter that gives up from the fair queue; wake the next one if the lock is free.
-- Returns 1 when the waiter was queued, 0 otherwise.
local lock = KEYS[1]      -- the lock's hash
local queue = KEYS[2]     -- zset: waiter token -> ticket
local deadlines = KEYS[3] -- zset: waiter token -> deadline in server ms
local waiter = ARGV[1]    -- the token of the waiter that leaves
local channel = ARGV[2]   -- the release notification channel
local mode = ARGV[3]      -- 'sharded' (SPUBLISH, Redis >= 7), else PUBLISH (also when absent)

local removed = redis.call('ZREM', queue, waiter)
redis.call('ZREM', deadlines, waiter)
if removed == 1 and redis.call('EXISTS', lock) == 0 then
  local head = redis.call('ZRANGE', queue, 0, 0)[1]
  if head then
    redis.call(mode == 'sharded' and 'SPUBLISH' or 'PUBLISH', channel, head)
  end
end
return removed
