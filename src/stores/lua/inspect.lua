-- Describe a lock without revealing its owner token.
-- Returns nil when free, else {pttl, fence, metadata}.
local lock = KEYS[1] -- the lock's hash: o = owner token, f = fence, m = metadata

local fields = redis.call('HMGET', lock, 'o', 'f', 'm')
if not fields[1] then
  return nil
end
return {redis.call('PTTL', lock), tonumber(fields[2]), fields[3] or ''}
