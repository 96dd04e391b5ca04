-- Release a lock held by the given owner and wake waiters.
-- KEYS[1] lock key
-- ARGV[1] owner token   ARGV[2] release notification channel
-- Returns 1 when released, 0 when the lock is not held by this owner.
-- The fence key is left to expire: it must outlive the lock to keep fences increasing.
if redis.call('HGET', KEYS[1], 'o') ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], '1')
return 1
