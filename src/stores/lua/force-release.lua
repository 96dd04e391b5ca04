-- Delete a lock whoever holds it and wake the next waiter.
-- KEYS[1] lock key   KEYS[2] queue
-- ARGV[1] release notification channel
-- ARGV[2] publish mode: 'sharded' (SPUBLISH, Redis >= 7) or 'classic' (PUBLISH, also when absent)
-- Returns 1 when a lock was deleted, 0 when it was free.
-- The message is the token of the first queued waiter, or '' when nobody is queued.
if redis.call('DEL', KEYS[1]) == 0 then
  return 0
end
redis.call(ARGV[2] == 'sharded' and 'SPUBLISH' or 'PUBLISH', ARGV[1], redis.call('ZRANGE', KEYS[2], 0, 0)[1] or '')
return 1
