-- Extend a lock held by the given owner.
-- KEYS[1] lock key   KEYS[2] fence key
-- ARGV[1] owner token   ARGV[2] ttl in ms   ARGV[3] fence key grace in ms
-- Returns 1 when extended, 0 when the lock is not held by this owner.
if redis.call('HGET', KEYS[1], 'o') ~= ARGV[1] then
  return 0
end
local ttl = tonumber(ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl + tonumber(ARGV[3]))
return 1
