-- Remove a waiter that gives up from the fair queue; wake the next one if the lock is free.
-- KEYS[1] lock key   KEYS[2] queue   KEYS[3] waiter deadlines
-- ARGV[1] waiter token   ARGV[2] release notification channel
-- ARGV[3] publish mode: 'sharded' (SPUBLISH, Redis >= 7) or 'classic' (PUBLISH, also when absent)
-- Returns 1 when the waiter was queued, 0 otherwise.
local removed = redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if removed == 1 and redis.call('EXISTS', KEYS[1]) == 0 then
  local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if head then
    redis.call(ARGV[3] == 'sharded' and 'SPUBLISH' or 'PUBLISH', ARGV[2], head)
  end
end
return removed
