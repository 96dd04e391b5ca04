-- Take several locks at once, all or none: only if every one is free and has no fair queue.
-- KEYS[3i-2] the i-th lock (a hash: o = owner, f = fence, m = metadata)
-- KEYS[3i-1] its fence key   KEYS[3i] its fair queue (only checked for existence)
--            (on a cluster every key of one call lies in one hash slot)
-- ARGV[2i-1] owner token of the i-th lock   ARGV[2i] its ttl in ms
-- ARGV[#KEYS / 3 * 2 + 1] metadata (shown by inspect)   ARGV[#KEYS / 3 * 2 + 2] fence grace in ms
-- Returns {1, fence1, fence2, ...} when all were taken (fences as acquire.lua issues them), or
-- {0, i, pttl} when the i-th lock (the first in KEYS order) is held (pttl of its holder) or has
-- a fair queue (pttl -1), in which case nothing was written.
--- @include "include/clock"
--- @include "include/take-lock"
local count = #KEYS / 3
local metadata = ARGV[2 * count + 1]
local fenceGrace = tonumber(ARGV[2 * count + 2])

-- Check everything before writing anything: a busy lock leaves the others untouched.
for i = 1, count do
  local lock = KEYS[3 * i - 2]
  if redis.call('EXISTS', lock) == 1 then
    return {0, i, redis.call('PTTL', lock)}
  end
  if redis.call('EXISTS', KEYS[3 * i]) == 1 then
    return {0, i, -1}
  end
end

local nowUs = serverTime()
local results = {1}
for i = 1, count do
  local ttl = tonumber(ARGV[2 * i])
  results[i + 1] = takeLock(KEYS[3 * i - 2], KEYS[3 * i - 1], ARGV[2 * i - 1], ttl, metadata,
    fenceGrace, nowUs)
end
-- A table constructor, not the table itself: ioredis-mock's emulator returns only those as arrays.
return {unpack(results)}
