-- Take a lock if it is free (or expired) and nobody is queued ahead of the caller.
-- Returns {1, fence, ticket} when taken (ticket -1 if the caller never queued),
-- {0, pttl, queued} when not (pttl -1 if the lock is free but others are queued first).
--- @include "include/clock"
--- @include "include/drop-gone-waiters"
--- @include "include/take-lock"
local lock = KEYS[1]      -- a hash: o = owner token, f = fence, m = metadata
local fenceKey = KEYS[2]  -- the last fence issued for this lock (short-lived)
local queue = KEYS[3]     -- zset: waiter token -> ticket, the arrival order of fair waiters
local deadlines = KEYS[4] -- zset: waiter token -> ms by the server clock when it counts as gone
local owner = ARGV[1]                 -- the caller's owner token
local ttl = tonumber(ARGV[2])         -- ms
local metadata = ARGV[3]              -- shown by inspect
local fenceGrace = tonumber(ARGV[4])  -- ms the fence key outlives the lock
local mode = ARGV[5]                  -- 'fair': join the queue when the lock cannot be taken;
                                      -- 'plain': join only a queue that already exists;
                                      -- 'once': a single attempt, never join
local waiterTtl = tonumber(ARGV[6])   -- ms a queued waiter stays without refreshing

local holder = redis.call('HGET', lock, 'o')
if holder == owner then
  redis.call('PEXPIRE', lock, ttl)
  return {1, tonumber(redis.call('HGET', lock, 'f')), -1}
end

-- The lock is taken (or granted) with the next fence (see include/take-lock).
local function take(nowUs, ticket)
  return {1, takeLock(lock, fenceKey, owner, ttl, metadata, fenceGrace, nowUs), ticket}
end

-- Fast path: nobody queued (the usual case), so no clean-up, no head look-up and, for a busy
-- lock, no clock read.
if redis.call('EXISTS', queue) == 0 then
  if not holder then
    return take((serverTime()), -1)
  end
  if mode ~= 'fair' then
    return {0, redis.call('PTTL', lock), 0}
  end
end

local nowUs, nowMs = serverTime()
dropGoneWaiters(queue, deadlines, nowMs)
local head = redis.call('ZRANGE', queue, 0, 0)[1]

if not holder and (not head or head == owner) then
  local ticket = -1
  if head then
    ticket = tonumber(redis.call('ZSCORE', queue, owner))
    redis.call('ZREM', queue, owner)
    redis.call('ZREM', deadlines, owner)
  end
  return take(nowUs, ticket)
end

-- Fair callers always queue; others join a queue that already exists, so nobody barges past it.
local queued = 0
if mode == 'fair' or (head and mode == 'plain') then
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
