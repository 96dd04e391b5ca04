-- Extend a lock held by the given owner.
-- Returns 1 when extended, 0 when the lock is not held by this owner.
local lock = KEYS[1]                 -- the lock's hash: o = owner token
local fenceKey = KEYS[2]             -- the last fence issued for this lock
local owner = ARGV[1]                -- the caller's owner token
local ttl = tonumber(ARGV[2])        -- ms
local fenceGrace = tonumber(ARGV[3]) -- ms the fence key outlives the lock

if redis.call('HGET', lock, 'o') ~= owner then
  return 0
end
redis.call('PEXPIRE', lock, ttl)
redis.call('PEXPIRE', fenceKey, ttl + fenceGrace)
return 1
