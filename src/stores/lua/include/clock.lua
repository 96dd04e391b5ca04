-- The server clock (TIME), in microseconds and in whole milliseconds since the epoch.
-- Float arithmetic on purpose: exact below 2^53, and safe on Lua builds with 32-bit integers.
local function serverTime()
  local time = redis.call('TIME')
  local us = tonumber(time[1]) * 1e6 + tonumber(time[2])
  return us, math.floor(us / 1000)
end
