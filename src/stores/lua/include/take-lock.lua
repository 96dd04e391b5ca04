-- Take `lock` for `owner` for `ttl` ms; returns its fence. The fence is the server clock in
-- microseconds (`nowUs`), bumped past the last value issued for this lock; that value (in
-- `fenceKey`) only has to outlive the lock by `fenceGrace` ms, so nothing grows forever.
local function takeLock(lock, fenceKey, owner, ttl, metadata, fenceGrace, nowUs)
  local fence = nowUs
  local last = tonumber(redis.call('GET', fenceKey))
  if last and fence <= last then
    fence = last + 1
  end
  local text = string.format('%.0f', fence)
  redis.call('SET', fenceKey, text, 'PX', ttl + fenceGrace)
  redis.call('HSET', lock, 'o', owner, 'f', text, 'm', metadata)
  redis.call('PEXPIRE', lock, ttl)
  return fence
end
