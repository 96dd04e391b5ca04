-- Grant the free `lock` to the head of its queue, in the same call that freed it: the head's
-- grant record in `waiting` ("<ttl> <metadata>", written by acquire.lua when it queued) says
-- for how long and with what metadata; its ticket is kept in the lock (t) for its acquire.lua.
-- Dead waiters (deadline passed) are swept first, and a head whose own deadline has passed is
-- dropped even past the sweep's limit, so the usual case never grants to the dead. Returns the message to publish on the release channel:
--   '<token> <fence> <server ms> <ticket>' when the lock was granted to <token> (the message IS
--   the grant),
--   '<token>' when the head has no grant record (queued by an older version: woken, it tries),
--   ''        when nobody is queued.
--- @include "include/clock"
--- @include "include/drop-gone-waiters"
--- @include "include/take-lock"
local function grantHead(lock, fenceKey, queue, deadlines, waiting, fenceGrace)
  local nowUs, nowMs = serverTime()
  dropGoneWaiters(queue, deadlines, waiting, nowMs)
  for _ = 1, 16 do
    local head = redis.call('ZRANGE', queue, 0, 0)[1]
    if not head then
      return ''
    end
    local deadline = tonumber(redis.call('ZSCORE', deadlines, head))
    local ticket = redis.call('ZSCORE', queue, head)
    local record = nil
    if deadline and deadline > nowMs then
      record = redis.call('HGET', waiting, head)
      if not record then
        return head
      end
    end
    redis.call('ZREM', queue, head)
    redis.call('ZREM', deadlines, head)
    redis.call('HDEL', waiting, head)
    if record then
      local space = string.find(record, ' ', 1, true)
      local ttl = tonumber(string.sub(record, 1, space - 1))
      local fence = takeLock(lock, fenceKey, head, ttl, string.sub(record, space + 1), fenceGrace,
        nowUs)
      redis.call('HSET', lock, 't', ticket)
      return head .. ' ' .. string.format('%.0f', fence) .. ' ' .. string.format('%.3f', nowUs / 1000)
        .. ' ' .. ticket
    end
  end
  return ''
end
