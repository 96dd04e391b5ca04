-- Describe a lock without revealing its owner token.
-- KEYS[1] lock key
-- Returns nil when free, else {pttl, fence, metadata}.
local fields = redis.call('HMGET', KEYS[1], 'o', 'f', 'm')
if not fields[1] then
  return nil
end
return {redis.call('PTTL', KEYS[1]), tonumber(fields[2]), fields[3] or ''}
