-- Release a lock held by the given owner and wake the next waiter.
-- KEYS[1] lock key   KEYS[2] queue   KEYS[3] waiter deadlines
-- ARGV[1] owner token   ARGV[2] release notification channel
-- ARGV[3] publish mode: 'sharded' (SPUBLISH, Redis >= 7) or 'classic' (PUBLISH, also when absent)
-- Returns 1 when released, 0 when the lock is not held by this owner.
-- The message is the token of the first live queued waiter, or '' when nobody is queued.
-- The fence key is left to expire: it must outlive the lock to keep fences increasing.
if redis.call('HGET', KEYS[1], 'o') ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1e3 + math.floor(tonumber(now[2]) / 1000)
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', nowMs, 'LIMIT', 0, 16)
if #gone > 0 then
  redis.call('ZREM', KEYS[3], unpack(gone))
  redis.call('ZREM', KEYS[2], unpack(gone))
end
redis.call(ARGV[3] == 'sharded' and 'SPUBLISH' or 'PUBLISH', ARGV[2], redis.call('ZRANGE', KEYS[2], 0, 0)[1] or '')
return 1
