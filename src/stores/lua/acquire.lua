-- Take a lock if it is free (or expired) and nobody is queued ahead of the caller.
-- KEYS[1] lock key (a hash: o = owner token, f = fence, m = metadata)
-- KEYS[2] fence key (last fence issued for this lock; short-lived)
-- KEYS[3] queue (zset: waiter token -> ticket, the arrival order of fair waiters)
-- KEYS[4] waiter deadlines (zset: waiter token -> ms by the server clock when it counts as gone)
-- ARGV[1] owner token   ARGV[2] ttl in ms   ARGV[3] metadata   ARGV[4] fence key grace in ms
-- ARGV[5] queueing mode: 'fair' (join the queue when the lock cannot be taken), 'plain' (join
--         only a queue that already exists), 'once' (a single attempt: never join)
-- ARGV[6] waiter time to live in ms
-- Returns {1, fence, ticket} when taken (ticket -1 if the caller never queued),
-- {0, pttl, queued} when not (pttl -1 if the lock is free but others are queued first).
local lock, fenceKey, queue, deadlines = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local owner, ttl = ARGV[1], tonumber(ARGV[2])

local holder = redis.call('HGET', lock, 'o')
if holder == owner then
  redis.call('PEXPIRE', lock, ttl)
  return {1, tonumber(redis.call('HGET', lock, 'f')), -1}
end

-- Float arithmetic on purpose: exact below 2^53, and safe on Lua builds with 32-bit integers.
local now = redis.call('TIME')
local nowUs = tonumber(now[1]) * 1e6 + tonumber(now[2])
local nowMs = math.floor(nowUs / 1000)

-- Drop waiters that stopped refreshing (their process died); a bounded number per call.
local gone = redis.call('ZRANGEBYSCORE', deadlines, '-inf', nowMs, 'LIMIT', 0, 16)
if #gone > 0 then
  redis.call('ZREM', deadlines, unpack(gone))
  redis.call('ZREM', queue, unpack(gone))
end
local head = redis.call('ZRANGE', queue, 0, 0)[1]

if not holder and (not head or head == owner) then
  local ticket = -1
  if head then
    ticket = tonumber(redis.call('ZSCORE', queue, owner))
    redis.call('ZREM', queue, owner)
    redis.call('ZREM', deadlines, owner)
  end
  -- The fence is the server clock in microseconds, bumped past the last value issued for this
  -- lock; that value only has to outlive the lock by a grace period, so nothing grows forever.
  local fence = nowUs
  local last = tonumber(redis.call('GET', fenceKey))
  if last and fence <= last then
    fence = last + 1
  end
  local text = string.format('%.0f', fence)
  redis.call('SET', fenceKey, text, 'PX', ttl + tonumber(ARGV[4]))
  redis.call('HSET', lock, 'o', owner, 'f', text, 'm', ARGV[3])
  redis.call('PEXPIRE', lock, ttl)
  return {1, fence, ticket}
end

-- Fair callers always queue; others join a queue that already exists, so nobody barges past it.
local queued = 0
if ARGV[5] == 'fair' or (head and ARGV[5] == 'plain') then
  local waiterTtl = tonumber(ARGV[6])
  if not redis.call('ZSCORE', queue, owner) then
    local ticket = nowUs
    local tail = redis.call('ZRANGE', queue, -1, -1, 'WITHSCORES')
    if tail[2] and tonumber(tail[2]) >= ticket then
      ticket = tonumber(tail[2]) + 1
    end
    redis.call('ZADD', queue, string.format('%.0f', ticket), owner)
  end
  redis.call('ZADD', deadlines, nowMs + waiterTtl, owner)
  redis.call('PEXPIRE', queue, waiterTtl)
  redis.call('PEXPIRE', deadlines, waiterTtl)
  queued = 1
end
local pttl = -1
if holder then
  pttl = redis.call('PTTL', lock)
end
return {0, pttl, queued}
