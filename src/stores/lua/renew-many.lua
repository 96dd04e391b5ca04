-- Extend several locks at once (one round trip for the renewals that fall due together).
-- KEYS[1] lock key of the 1st lock   KEYS[2] its fence key   KEYS[3], KEYS[4] the 2nd's, ...
--         (on a cluster every key of one call lies in one hash slot)
-- ARGV[1] owner token of the 1st lock   ARGV[2] its ttl in ms   ARGV[3], ARGV[4] the 2nd's, ...
-- ARGV[#KEYS + 1] fence key grace in ms
-- Returns one entry per lock, in order: 1 when extended, 0 when not held by that owner.
local grace = tonumber(ARGV[#KEYS + 1])
local results = {}
for i = 1, #KEYS / 2 do
  local lock, owner = KEYS[2 * i - 1], ARGV[2 * i - 1]
  if redis.call('HGET', lock, 'o') == owner then
    local ttl = tonumber(ARGV[2 * i])
    redis.call('PEXPIRE', lock, ttl)
    redis.call('PEXPIRE', KEYS[2 * i], ttl + grace)
    results[i] = 1
  else
    results[i] = 0
  end
end
-- A table constructor, not the table itself: ioredis-mock's emulator returns only those as arrays.
return {unpack(results)}
