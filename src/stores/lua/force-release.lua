-- Delete a lock whoever holds it and wake waiters.
-- KEYS[1] lock key
-- ARGV[1] release notification channel
-- Returns 1 when a lock was deleted, 0 when it was free.
if redis.call('DEL', KEYS[1]) == 0 then
  return 0
end
redis.call('PUBLISH', ARGV[1], '1')
return 1
