-- Take a lock if it is free or expired.
-- KEYS[1] lock key (a hash: o = owner token, f = fence, m = metadata)
-- KEYS[2] fence key (last fence issued for this lock; short-lived)
-- ARGV[1] owner token   ARGV[2] ttl in ms   ARGV[3] metadata   ARGV[4] fence key grace in ms
-- Returns {1, fence} when taken (or already held by this owner), {0, pttl} when held by another.
local holder = redis.call('HGET', KEYS[1], 'o')
if holder then
  if holder ~= ARGV[1] then
    return {0, redis.call('PTTL', KEYS[1])}
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, tonumber(redis.call('HGET', KEYS[1], 'f'))}
end
-- The fence is the server's clock in microseconds, bumped past the last value issued for this
-- lock; the last value only has to outlive the lock by a grace period, so nothing grows forever.
-- Float arithmetic on purpose: exact below 2^53, and safe on Lua builds with 32-bit integers.
local now = redis.call('TIME')
local fence = tonumber(now[1]) * 1e6 + tonumber(now[2])
local last = tonumber(redis.call('GET', KEYS[2]))
if last and fence <= last then
  fence = last + 1
end
local text = string.format('%.0f', fence)
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[2], text, 'PX', ttl + tonumber(ARGV[4]))
redis.call('HSET', KEYS[1], 'o', ARGV[1], 'f', text, 'm', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
return {1, fence}
