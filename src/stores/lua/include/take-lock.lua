-- Take `lock` for `owner` for `ttl` ms (with the queue `ticket` of a grant, kept in t, when given);
-- returns its fence. With a ticket every field a lock hash has is written, so a grant may
-- overwrite the lock it hands on without deleting it first. The fence is the server clock in
-- microseconds (`nowUs`), bumped past the last value issued for this lock; that value (in
-- `fenceKey`) only has to outlive the lock by `fenceGrace` ms, so nothing grows forever.
-- On Redis >= 7 (Valkey too) the fence key is written and its last value read in one call (SET
-- with GET); a second write follows only when the clock did not move past that value. Older
-- servers (and emulators without the version) read it first.
local setGetsOld = (redis.REDIS_VERSION_NUM or 0) >= 0x070000
local function takeLock(lock, fenceKey, owner, ttl, metadata, fenceGrace, nowUs, ticket)
  local fence = nowUs
  local text = string.format('%.0f', fence)
  local keep = ttl + fenceGrace
  local last
  if setGetsOld then
    last = tonumber(redis.call('SET', fenceKey, text, 'PX', keep, 'GET'))
  else
    last = tonumber(redis.call('GET', fenceKey))
  end
  if last and fence <= last then
    fence = last + 1
    text = string.format('%.0f', fence)
    redis.call('SET', fenceKey, text, 'PX', keep)
  elseif not setGetsOld then
    redis.call('SET', fenceKey, text, 'PX', keep)
  end
  if ticket then
    redis.call('HSET', lock, 'o', owner, 'f', text, 'm', metadata, 't', ticket)
  else
    redis.call('HSET', lock, 'o', owner, 'f', text, 'm', metadata)
  end
  redis.call('PEXPIRE', lock, ttl)
  return fence
end
